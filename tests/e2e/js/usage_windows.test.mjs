// Subscription usage you can see (issue 16): the windows the backend reports on /responses
// replies (x-codex-primary-*, x-codex-secondary-*, credits) are kept by the relay and shown by
// `airelays status` / `status --json` / GET /v1/relay/status, and sent as x-ratelimit-*
// headers on chat/completions/models responses; a usage-limit 429 carries Retry-After from
// resets_at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startStack, RELAY_TOKEN, AIRELAYS_BIN, isolatedEnv } from './helpers.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const auth = { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' };
const chat = (extra = {}) => fetch(`${stack.baseURL}/chat/completions`, {
  method: 'POST', headers: auth,
  body: JSON.stringify({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], ...extra }),
});

test('chat completions carry the usage windows as x-ratelimit-* headers', async () => {
  const res = await chat();
  assert.equal(res.status, 200);
  await res.json();
  assert.equal(res.headers.get('x-ratelimit-primary-used-percent'), '12');
  assert.equal(res.headers.get('x-ratelimit-primary-window-minutes'), '300');
  assert.equal(res.headers.get('x-ratelimit-primary-reset-at'), '1795340000');
  assert.equal(res.headers.get('x-ratelimit-secondary-used-percent'), '39');
  assert.equal(res.headers.get('x-ratelimit-secondary-window-minutes'), '10080');
});

test('models responses carry the latest windows the relay saw', async () => {
  const res = await fetch(`${stack.baseURL}/models`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-ratelimit-primary-used-percent'), '12');
});

test('/v1/relay/status and airelays status show the latest windows', async () => {
  await stack.script('responses', { kind: 'text', headers: { 'x-codex-primary-used-percent': '57.5' } });
  const r = await chat();
  await r.json();
  assert.equal(r.headers.get('x-ratelimit-primary-used-percent'), '57.5');
  const status = await (await fetch(`${stack.baseURL}/relay/status`, { headers: auth })).json();
  assert.equal(status.usage_windows.primary.used_percent, 57.5);
  assert.equal(status.usage_windows.secondary.window_minutes, 10080);

  const env = isolatedEnv(stack.home, { TZ: 'UTC' });
  const text = spawnSync(AIRELAYS_BIN, ['status'], { env, encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /5 h window:\s+57\.5 % used, resets .*\d\d:\d\d/);
  assert.match(text.stdout, /weekly window:\s+39 % used/);
  const json = spawnSync(AIRELAYS_BIN, ['status', '--json'], { env, encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.usage_windows.primary.used_percent, 57.5);
  assert.equal(doc.usage_windows.primary.reset_at, 1795340000);
});

test('a usage-limit 429 with only resets_at carries Retry-After from it', async () => {
  const resetsAt = Math.floor(Date.now() / 1000) + 3600;
  await stack.script('responses', { kind: 'http', status: 429, body: { error: {
    type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: resetsAt } } });
  const res = await chat();
  assert.equal(res.status, 429);
  const after = Number(res.headers.get('retry-after'));
  assert.ok(after > 3500 && after <= 3601, `Retry-After ${after}`);
});
