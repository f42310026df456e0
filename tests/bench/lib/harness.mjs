// Shared harness of the soak and resource benchmarks: starts the fake upstream program and a
// real `airelays serve` against it in an isolated HOME (signed in with a planted login, a known
// relay token, a config that may raise the limits), sends chat requests (streamed or not)
// over plain keep-alive-free HTTP, and reads a process's RSS from /proc.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const TOKEN = 'bench-relay-token-0123456789abcdefghijklmnop';

export function binaries() {
  const src = process.env.AIRELAYS_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
  const build = process.env.AIRELAYS_BUILD_DIR || path.join(src, 'build');
  return {
    airelays: process.env.AIRELAYS_BIN || path.join(build, 'airelays'),
    fake: process.env.FAKE_UPSTREAM_BIN || path.join(build, 'tests', 'fake_upstream'),
  };
}

// Spawns argv and resolves with {child, port} once it prints "listening on http://HOST:PORT".
export function startListening(argv, env, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listening line from ${argv[0]}:\n${out}`)), timeoutMs);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/listening on http:\/\/[^:\s]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${argv[0]} exited ${code}:\n${out}`)); });
  });
}

// An isolated HOME with the relay token and a config pointing at the fake.
export function makeHome(fakePort, extraToml = '') {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'airelays-bench-'));
  const data = path.join(home, '.airelays');
  const conf = path.join(home, '.config', 'airelays');
  fs.mkdirSync(data, { recursive: true, mode: 0o700 });
  fs.mkdirSync(conf, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(data, 'relay-token'), TOKEN + '\n', { mode: 0o600 });
  const base = `http://127.0.0.1:${fakePort}`;
  fs.writeFileSync(path.join(conf, 'config.toml'),
    `[auth]\nstorage = "file"\n[upstream]\nbase_url = "${base}/backend-api/codex"\n` +
    `issuer_base_url = "${base}"\n${extraToml}`, { mode: 0o600 });
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local/share'), XDG_RUNTIME_DIR: path.join(home, 'run'),
    NO_COLOR: '1', LANG: 'C.UTF-8' };
  fs.mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  return { home, env, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

const b64url = (s) => Buffer.from(s).toString('base64url');
const jwt = (claims) => `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.${b64url('sig')}`;

// A stored login (the auth.json record, file storage) the fake accepts and can refresh, as
// `login --device` against the fake would leave it.
export function plantLogin(home) {
  const account = '11111111-2222-3333-4444-555555555555';
  const auth = { chatgpt_account_id: account, chatgpt_plan_type: 'plus' };
  const now = Math.floor(Date.now() / 1000);
  const record = {
    bound_account_id: account,
    tokens: {
      id_token: jwt({ email: 'user@example.com', 'https://api.openai.com/auth': auth }),
      access_token: jwt({ iat: now, exp: now + 86400, 'https://api.openai.com/auth': auth }),
      refresh_token: 'rt_bench',
      account_id: account,
    },
    last_refresh: new Date().toISOString().replace('Z', '+00:00'),
  };
  fs.writeFileSync(path.join(home, '.airelays', 'auth.json'), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}

export async function startStack({ extraToml = '', signIn = true } = {}) {
  const bin = binaries();
  const fakeEnv = { PATH: process.env.PATH };
  if (process.env.FAKE_UPSTREAM_THREADS) fakeEnv.FAKE_UPSTREAM_THREADS = process.env.FAKE_UPSTREAM_THREADS;
  const fake = await startListening([bin.fake], fakeEnv);
  const h = makeHome(fake.port, extraToml);
  if (signIn) {
    plantLogin(h.home);
  }
  const relay = await startListening([bin.airelays, 'serve', '--port', '0'], h.env);
  const stop = () => {
    for (const c of [relay.child, fake.child]) {
      c.removeAllListeners('exit');
      c.kill('SIGKILL');
    }
    h.cleanup();
  };
  return { bin, fake, relay, home: h, stop };
}

export function rssKiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

// CPU seconds (user+system) a process has used, from /proc/PID/stat.
export function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime (clock ticks, 100/s)
  } catch {
    return -1;
  }
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

// One chat request; resolves {ok, status, ms, text, firstByteMs}. For streams, ok requires
// the final "data: [DONE]" and no in-band error. holdMs keeps a stream's response open
// (paused) that long after its first bytes, to measure many concurrent open streams.
export function chat(port, { stream = false, text = 'Say hi', timeoutMs = 30000, onFirstByte } = {}) {
  const body = JSON.stringify({ model: 'gpt-5.5', stream, messages: [{ role: 'user', content: text }] });
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      let first = -1;
      res.on('data', (d) => {
        if (first < 0) {
          first = Number(process.hrtime.bigint() - t0) / 1e6;
          if (onFirstByte) onFirstByte(res);
        }
        data += d;
      });
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const ok = res.statusCode === 200 &&
          (stream ? data.includes('data: [DONE]') && !data.includes('"error"') : data.includes('"choices"'));
        resolve({ ok, status: res.statusCode, ms, firstByteMs: first, text: data });
      });
      res.on('error', (e) => resolve({ ok: false, status: 0, ms: 0, text: String(e) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ ok: false, status: 0, ms: 0, text: String(e) }));
    req.end(body);
  });
}

export function get(port, p, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, text: data }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
