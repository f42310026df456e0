// Writes cmake/hot_text.txt: the functions of the airelays binary that run when `serve` starts
// and answers its first requests, and when the quick commands (`--version`, `token show`,
// `status --json`) run, which the build places together at the start of the binary's code.
//
// Why: the kernel maps up to 16 neighbouring page-cache pages on each page fault of a file
// mapping (fault-around, 64 KiB), and these ~800 functions were spread over the whole 2 MB of
// .text, so an idle relay had nearly all of the binary's code resident (2.2 MB) though it had
// run a third of it. Packed together, serve's part fills ~0.75 MB (docs/benchmarks.md, fourth pass).
//
// The list is only an order: a function missing from it (new, renamed) still links, in .text
// with the rest; a name no longer in the binary matches nothing. Regenerate after larger
// changes to the start-up or the request path, with a build of the flags the list is for, then
// build again (the layers' objects depend on the list, so their archives are written anew and
// their sections renamed):
//   AIRELAYS_BIN=build-dev/airelays FAKE_UPSTREAM_BIN=build-dev/tests/fake_upstream \
//     node tests/bench/hot_text.mjs [cmake/hot_text.txt]
//   ninja -C build-dev
// Needs valgrind (callgrind: the functions that ran, by object, with their symbol names).
// HOT_TEXT_KEEP=1 keeps the callgrind files (their folder is printed).
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TOKEN, binaries, chat, get, makeHome, plantLogin, sleep, startListening } from './lib/harness.mjs';

const OUT = process.argv[2] ?? new URL('../../cmake/hot_text.txt', import.meta.url).pathname;
const bin = binaries();
const work = mkdtempSync(join(tmpdir(), 'airelays-hot-text-'));
const callgrind = (name) => ['valgrind', '--tool=callgrind', '--demangle=no', `--callgrind-out-file=${join(work, name)}.%p`];

function post(port, path, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: {
      Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

// Profiles, in three phases the list keeps in this order: `serve` started and answering its
// first non-stream chat request (what every relay runs: the idle RSS row), then the other
// kinds of request, then the quick commands. A relay that served only non-stream chat keeps
// only the first part resident; a quick command, the parts of the first it shares.
async function profile() {
  const fake = await startListening([bin.fake], { PATH: process.env.PATH });
  const h = makeHome(fake.port);
  plantLogin(h.home);
  const relay = await startListening([...callgrind('serve'), bin.airelays, 'serve', '--port', '0'], h.env, 120000);
  const dump = () => spawnSync('callgrind_control', ['-d', String(relay.child.pid)], { stdio: 'ignore' });
  try {
    await get(relay.port, '/healthz', 60000);
    const first = await chat(relay.port, { stream: false, timeoutMs: 120000 });
    if (!first.ok) throw new Error(`chat failed: ${first.status} ${first.text.slice(0, 300)}`);
    await sleep(500);
    dump(); // serve.PID.1
    const streamed = await chat(relay.port, { stream: true, timeoutMs: 120000 });
    if (!streamed.ok) throw new Error(`streamed chat failed: ${streamed.status} ${streamed.text.slice(0, 300)}`);
    for (const stream of [false, true]) {
      const s = await post(relay.port, '/v1/responses', { model: 'gpt-5.5', input: 'hi', stream });
      if (s !== 200) throw new Error(`responses (stream ${stream}) answered ${s}`);
    }
    await sleep(500);
    dump(); // serve.PID.2
    for (const cmd of [['--version'], ['token', 'show'], ['status', '--json']]) {
      const [tool, ...args] = callgrind(`cli-${cmd[0].replace(/^-+/, '')}`);
      const r = spawnSync(tool, [...args, bin.airelays, ...cmd], { env: h.env });
      if (r.status !== 0) throw new Error(`airelays ${cmd.join(' ')} exited ${r.status}: ${r.stderr}`);
    }
  } finally {
    for (const c of [relay.child, fake.child]) {
      c.removeAllListeners('exit');
      c.kill('SIGKILL');
    }
    h.cleanup();
  }
}

// The functions with a cost in the binary in one callgrind file (names and objects are
// compressed: "fn=(12) name" the first time, "fn=(12)" after).
function functionsIn(file) {
  const object = basename(bin.airelays);
  const ran = new Set();
  const objects = new Map();
  const fns = new Map();
  let ob = '';
  let fn = '';
  for (const line of readFileSync(join(work, file), 'utf8').split('\n')) {
    const m = line.match(/^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$/);
    if (m) {
      const table = m[1].endsWith('ob') ? objects : fns;
      if (m[3] !== undefined) table.set(m[2], m[3]);
      if (m[1] === 'ob') ob = basename(objects.get(m[2]) ?? '');
      if (m[1] === 'fn') fn = fns.get(m[2]) ?? '';
    } else if (ob === object && /^[+\-*0-9]/.test(line)) {
      const name = fn.replace(/'\d+$/, ''); // callgrind marks recursion levels: NAME'2
      if (/^[A-Za-z_][\w.$]*$/.test(name)) ran.add(name);
    }
  }
  return ran;
}

// The names of each phase, without those of an earlier phase, each sorted. A constructor or
// destructor runs under one name (C1, D1) that is often the alias of another (C2, D2) naming
// its section: every name at the address of a function that ran is listed.
function phases() {
  const byAddress = new Map();
  const nameAddress = new Map();
  for (const line of spawnSync('nm', ['--defined-only', bin.airelays], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n')) {
    const [address, kind, name] = line.split(' ');
    if (!name || !/^[tTwW]$/.test(kind)) continue;
    nameAddress.set(name, address);
    byAddress.set(address, [...(byAddress.get(address) ?? []), name]);
  }
  const files = readdirSync(work);
  const groups = [(f) => /^serve\.\d+\.1$/.test(f), (f) => /^serve\.\d+\.2$/.test(f), (f) => f.startsWith('cli-')];
  const seen = new Set();
  return groups.map((inGroup) => {
    const names = new Set();
    for (const f of files.filter(inGroup)) {
      for (const n of functionsIn(f)) {
        for (const alias of byAddress.get(nameAddress.get(n)) ?? [n]) names.add(alias);
      }
    }
    const fresh = [...names].filter((n) => !seen.has(n)).sort();
    fresh.forEach((n) => seen.add(n));
    return fresh;
  });
}

try {
  await profile();
  const [serve, requests, cli] = phases();
  if (serve.length < 100) throw new Error(`only ${serve.length} functions found: is ${bin.airelays} the binary with symbols?`);
  writeFileSync(OUT, `# Generated by tests/bench/hot_text.mjs: the functions that run in serve's start-up, its first
# requests and the quick commands, in the order CMakeLists.txt places them at the start of the
# binary's code (AIRELAYS_HOT_TEXT; docs/benchmarks.md, fourth pass on #18). One name a line.
# serve: start-up and a first non-stream chat request
${serve.join('\n')}
# serve: streamed chat, /v1/responses
${requests.join('\n')}
# --version, token show, status --json
${cli.join('\n')}
`);
  console.log(`hot_text: ${serve.length} + ${requests.length} + ${cli.length} functions -> ${OUT}`);
} finally {
  if (process.env.HOT_TEXT_KEEP) console.log(`callgrind files kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
