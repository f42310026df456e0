// What one request costs the relay, in counts a busy machine does not change: instructions
// (valgrind's callgrind, switched on only for the measured requests), system calls by name
// (strace -c attached to every thread after the warm-up) and context switches (voluntary and
// involuntary, from /proc/PID/task/*/status, in a run without either tool). Wall-clock benches on the shared two-core
// machine move by tenths of a millisecond with the load; these do not, so a change to the
// request path is judged here first, then in relay_bench.mjs.
//
// Sends sequential requests over one keep-alive connection (non-stream chat, then streamed
// chat) after a warm-up, and prints per request: instructions, system calls (total and the
// largest), context switches, and the top functions by inclusive instructions.
// Usage: AIRELAYS_BIN=build/airelays FAKE_UPSTREAM_BIN=build/tests/fake_upstream \
//        node tests/bench/request_profile.mjs [requests=200] [callgrind|strace|both]
// PROFILE_TOP=N prints N functions (default 25); PROFILE_KEEP=PATH keeps the callgrind files
// (PATH.non-stream-chat, PATH.stream-chat, ...) for callgrind_annotate --tree=calling or kcachegrind.
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.argv[2] ?? 200);
const MODE = process.argv[3] ?? 'both';
const realBin = process.env.AIRELAYS_BIN;
if (!realBin) {
  console.error('request_profile: set AIRELAYS_BIN and FAKE_UPSTREAM_BIN');
  process.exit(2);
}
// The routes measured: PROFILE_ROUTES=chat (the default), responses, or chat,responses.
const ROUTES = {
  'non-stream chat': { path: '/chat/completions', body: { model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], stream: false } },
  'stream chat': { path: '/chat/completions', body: { model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], stream: true } },
  'non-stream responses': { path: '/responses', body: { model: 'gpt-5.5', input: 'hi', stream: false } },
  'stream responses': { path: '/responses', body: { model: 'gpt-5.5', input: 'hi', stream: true } },
};
const KINDS = Object.keys(ROUTES).filter((k) => (process.env.PROFILE_ROUTES ?? 'chat').split(',').some((r) => k.endsWith(r)));
const work = mkdtempSync(join(tmpdir(), 'airelays-profile-'));

// Wraps the relay in valgrind when instructions are counted (callgrind starts with
// instrumentation off; callgrind_control switches it on around the measured requests).
function wrapper(useCallgrind) {
  const path = join(work, 'airelays-wrapped');
  const cmd = useCallgrind
    ? `exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=${work}/cg.out "${realBin}" "$@"`
    : `exec "${realBin}" "$@"`;
  writeFileSync(path, `#!/bin/sh\n${cmd}\n`);
  chmodSync(path, 0o755);
  return path;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function request(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// Context switches of every thread of pid: [voluntary, involuntary].
function switches(pid) {
  let v = 0;
  let nv = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      v += Number(s.match(/^voluntary_ctxt_switches:\s+(\d+)/m)[1]);
      nv += Number(s.match(/^nonvoluntary_ctxt_switches:\s+(\d+)/m)[1]);
    } catch { /* the thread ended */ }
  }
  return [v, nv];
}

async function profile(kind, useCallgrind, useStrace) {
  process.env.AIRELAYS_BIN = wrapper(useCallgrind);
  const { startStack, RELAY_TOKEN } = await import(`../e2e/js/helpers.mjs?${kind}${useCallgrind}`);
  const stack = await startStack({ extraConfig: '[server]\nworkers = 8\n[security]\nrate_limit_per_minute = 100000000\nrate_limit_burst = 100000000\n' });
  const pid = stack.relay.child.pid;
  const route = ROUTES[kind];
  const t = { url: `${stack.baseURL}${route.path}`, headers: { authorization: `Bearer ${RELAY_TOKEN}` },
    body: route.body };
  const out = {};
  try {
    for (let i = 0; i < 20; i++) await request(t.url, t.headers, t.body);
    let tracer = null;
    if (useStrace) {
      const tids = readdirSync(`/proc/${pid}/task`);
      tracer = spawn('strace', ['-f', '-c', '-o', join(work, `strace-${kind.replaceAll(' ', '-')}`), ...tids.flatMap((x) => ['-p', x])], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000)); // attached
    }
    if (useCallgrind) execFileSync('callgrind_control', ['-i', 'on', String(pid)]);
    const s0 = switches(pid);
    for (let i = 0; i < N; i++) await request(t.url, t.headers, t.body);
    const s1 = switches(pid);
    out.switches = [(s1[0] - s0[0]) / N, (s1[1] - s0[1]) / N];
    if (useCallgrind) {
      execFileSync('callgrind_control', ['-d', String(pid)]);
      execFileSync('callgrind_control', ['-i', 'off', String(pid)]);
    }
    if (tracer) {
      tracer.kill('SIGINT');
      await new Promise((r) => tracer.on('exit', r));
      out.strace = readFileSync(join(work, `strace-${kind.replaceAll(' ', '-')}`), 'utf8');
    }
  } finally {
    await stack.stop();
  }
  if (useCallgrind) {
    const dumps = readdirSync(work).filter((f) => f.startsWith('cg.out.'));
    const file = join(work, dumps.sort().find((f) => /\.\d+$/.test(f)) ?? dumps[0]);
    const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const total = Number(text.match(/^([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS/m)[1].replace(/,/g, ''));
    out.instructions = total / N;
    out.top = text.split('\n').filter((l) => /^\s*[\d,]+ \(\s*[\d.]+%\)\s+\S/.test(l) && !/PROGRAM TOTALS/.test(l)).slice(0, Number(process.env.PROFILE_TOP ?? 25));
    // Exclusive instructions summed per object (the binary, each shared library).
    const self = execFileSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const byObject = new Map();
    for (const l of self.split('\n')) {
      const m = l.match(/^\s*([\d,]+) \(\s*[\d.]+%\)\s+.*\[(.+)\]\s*$/);
      if (m) {
        const name = m[2].split('/').pop();
        byObject.set(name, (byObject.get(name) ?? 0) + Number(m[1].replace(/,/g, '')) / N);
      }
    }
    out.objects = [...byObject].sort((a, b) => b[1] - a[1]).slice(0, 8);
    if (process.env.PROFILE_KEEP) execFileSync('cp', [file, `${process.env.PROFILE_KEEP}.${kind.replaceAll(' ', '-')}`]);
    for (const f of dumps) rmSync(join(work, f));
  }
  return out;
}

function syscallsPerRequest(text) {
  const rows = [];
  let total = 0;
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/);
    if (m && m[2] !== 'total') rows.push([m[2], Number(m[1]) / N]);
    const t = line.match(/^\s*100\.00\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$/);
    if (t) total = Number(t[1]) / N;
  }
  return { total, rows: rows.sort((a, b) => b[1] - a[1]) };
}

console.log(`request profile: ${N} sequential requests on one keep-alive connection after 20 warm-up; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (const kind of KINDS) {
    const a = MODE === 'strace' ? {} : await profile(kind, true, false);
    const b = MODE === 'callgrind' ? {} : await profile(kind, false, true);
    const plain = await profile(kind, false, false); // switches without a tracer's stops
    console.log(`\n== ${kind}`);
    if (a.instructions) console.log(`instructions per request (callgrind): ${(a.instructions / 1e6).toFixed(3)} M`);
    if (b.strace) {
      const s = syscallsPerRequest(b.strace);
      console.log(`system calls per request (strace -c): ${s.total.toFixed(1)}  (${s.rows.slice(0, 10).map(([n, c]) => `${n} ${c.toFixed(1)}`).join(', ')})`);
    }
    console.log(`context switches per request, all threads (voluntary / involuntary): ${plain.switches.map((x) => x.toFixed(1)).join(' / ')}`);
    if (a.objects) console.log(`instructions per request by object: ${a.objects.map(([n, c]) => `${n} ${(c / 1e3).toFixed(0)} k`).join(', ')}`);
    if (a.top) {
      console.log('top functions, inclusive instructions over the measured requests:');
      for (const l of a.top) console.log(`  ${l.slice(0, 150)}`);
    }
  }
} finally {
  agent.destroy();
  rmSync(work, { recursive: true, force: true });
}
