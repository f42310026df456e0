// Shared setup of the Node end-to-end tests: start the C++ fake upstream and the real
// `airelays serve --port 0` in an isolated HOME with a planted ChatGPT login (reference §3.1,
// file storage) pointing at the fake; script the fake through its /__fake/ routes. No sleeps:
// every wait is for a printed line or a poll against a deadline.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const AIRELAYS_BIN = process.env.AIRELAYS_BIN;
export const FAKE_UPSTREAM_BIN = process.env.FAKE_UPSTREAM_BIN;
export const RELAY_TOKEN = 'test-relay-token-0123456789abcdefghijklmnopq';

// Spawns a program and resolves with {child, url} once it prints "listening on http://…".
export function startListening(bin, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not start listening:\n${out}`));
    }, 20000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code} before listening:\n${out}`));
    });
  });
}

function base64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

// An unsigned JWT with the given claims (signatures are never checked).
export function jwt(claims) {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.${base64url('sig')}`;
}

export const ACCOUNT_ID = '11111111-2222-3333-4444-555555555555';

// The §3.1 login record: a valid access token for a day.
export function loginRecord() {
  const now = Math.floor(Date.now() / 1000);
  const auth = {
    chatgpt_account_id: ACCOUNT_ID,
    chatgpt_plan_type: 'plus',
    chatgpt_user_id: 'user-fake',
  };
  return {
    bound_account_id: ACCOUNT_ID,
    tokens: {
      id_token: jwt({ email: 'user@example.com', exp: now + 86400, iat: now, 'https://api.openai.com/auth': auth }),
      access_token: jwt({ exp: now + 86400, iat: now, client_id: 'app_EMoamEEZ73f0CkXaXp7hrann', 'https://api.openai.com/auth': auth }),
      refresh_token: 'rt_fake_refresh',
      account_id: ACCOUNT_ID,
    },
    last_refresh: new Date().toISOString().replace('Z', '+00:00'),
  };
}

// An isolated HOME with config + planted login for a relay talking to `fakeUrl`.
export function makeHome(fakeUrl, { login = true, extraConfig = '' } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'airelays-js-'));
  const dataDir = join(home, '.airelays');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(home, '.config', 'airelays'), { recursive: true });
  writeFileSync(join(home, '.config', 'airelays', 'config.toml'), [
    '[upstream]',
    `base_url = "${fakeUrl}/backend-api/codex"`,
    `issuer_base_url = "${fakeUrl}"`,
    '[auth]',
    'storage = "file"',
    '[providers.openai]',
    'retry_attempts = 1',
    'retry_backoff_seconds = [0]',
    extraConfig,
    '',
  ].join('\n'));
  if (login) {
    writeFileSync(join(dataDir, 'auth.json'), JSON.stringify(loginRecord(), null, 2), { mode: 0o600 });
  }
  return home;
}

export function isolatedEnv(home, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    NO_COLOR: '1',
    AIRELAYS_BEARER_TOKEN: RELAY_TOKEN,
    ...extra,
  };
}

// Starts the fake and a relay in front of it; returns handles and a stop() for after().
export async function startStack(options = {}) {
  const fakeEnv = { PATH: process.env.PATH };
  if (options.fakeThreads) fakeEnv.FAKE_UPSTREAM_THREADS = String(options.fakeThreads); // benchmarks
  if (options.fakeLogLimit) fakeEnv.FAKE_UPSTREAM_LOG_LIMIT = String(options.fakeLogLimit);
  const fake = await startListening(FAKE_UPSTREAM_BIN, [], fakeEnv);
  const home = makeHome(fake.url, options);
  mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
  const relay = await startListening(AIRELAYS_BIN, ['serve', '--port', '0'], isolatedEnv(home));
  return {
    fake,
    relay,
    home,
    baseURL: `${relay.url}/v1`,
    async script(key, step) {
      const res = await fetch(`${fake.url}/__fake/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, step }),
      });
      if (!res.ok) throw new Error(`script failed: ${res.status}`);
    },
    async requests() {
      return (await fetch(`${fake.url}/__fake/requests`)).json();
    },
    async stop() {
      relay.child.kill('SIGTERM');
      fake.child.kill('SIGTERM');
      await Promise.all([relay, fake].map((p) => new Promise((r) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return r();
        p.child.on('exit', r);
      })));
      if (!process.env.AIRELAYS_KEEP_TMP) rmSync(home, { recursive: true, force: true });
    },
  };
}
