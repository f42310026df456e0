// `airelays env` and `airelays connect codex` (issue 16), as docs/clients.md tells users to
// run them: the exports are eval'd by a real shell, the Codex block is written into an existing
// config.toml without touching the rest (backup kept), and the real Codex CLI then answers
// through the relay with `codex --profile airelays`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, RELAY_TOKEN, AIRELAYS_BIN as BIN, isolatedEnv } from './helpers.mjs';

const AIRELAYS_BIN = resolve(BIN);

const here = dirname(fileURLToPath(import.meta.url));
const codexJs = join(here, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const airelays = (args, extra = {}) =>
  spawnSync(AIRELAYS_BIN, args, { env: isolatedEnv(stack.home, extra), encoding: 'utf8' });

// The relay's configured address (what env/connect print), served here on a random port.
const printedBase = () => 'http://127.0.0.1:8080/v1';

test('eval "$(airelays env)" sets OPENAI_BASE_URL, OPENAI_API_KEY and CODEX_API_KEY', () => {
  const env = isolatedEnv(stack.home, { AIRELAYS_BIN });
  const r = spawnSync('sh', ['-c', 'eval "$("$AIRELAYS_BIN" env)" && printf "%s\\n" "$OPENAI_BASE_URL" "$OPENAI_API_KEY" "$CODEX_API_KEY"'],
    { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [printedBase(), RELAY_TOKEN, RELAY_TOKEN]);
});

test('airelays env --shell fish prints set -gx lines', () => {
  const r = airelays(['env', '--shell', 'fish']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^set -gx OPENAI_BASE_URL 'http:\/\/127\.0\.0\.1:8080\/v1';$/m);
  assert.match(r.stdout, new RegExp(`^set -gx OPENAI_API_KEY '${RELAY_TOKEN}';$`, 'm'));
  const fish = spawnSync('fish', ['-c', `${AIRELAYS_BIN} env --shell fish | source; echo $CODEX_API_KEY`],
    { env: isolatedEnv(stack.home), encoding: 'utf8' });
  if (fish.error?.code !== 'ENOENT') assert.equal(fish.stdout.trim(), RELAY_TOKEN);
});

test('airelays connect codex prints the provider and profile block', () => {
  const r = airelays(['connect', 'codex']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\[model_providers\.airelays\]$/m);
  assert.match(r.stdout, /^base_url = "http:\/\/127\.0\.0\.1:8080\/v1"$/m);
  assert.match(r.stdout, /^env_key = "CODEX_API_KEY"$/m);
  assert.match(r.stdout, /^model_provider = "airelays"$/m);
  assert.doesNotMatch(r.stdout, new RegExp(RELAY_TOKEN), 'the key is never written');
});

test('connect codex --write keeps the rest of config.toml and a backup; the real Codex answers', async () => {
  const codexHome = join(stack.home, 'codex-connect');
  mkdirSync(codexHome, { recursive: true });
  const original = [
    '# my settings',
    'model = "gpt-5.5"   # keep this comment',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[profiles.airelays]',
    'model = "legacy"',
    '',
    '[model_providers.airelays]',
    'name = "stale"',
    'base_url = "http://old.invalid/v1"',
    '',
    '[tui]',
    'notifications = true',
    '',
  ].join('\n');
  writeFileSync(join(codexHome, 'config.toml'), original);
  // The relay under test listens on a random port; AIRELAYS_PORT says so (users have 8080).
  const port = new URL(stack.relay.url).port;
  const r = airelays(['connect', 'codex', '--write'], { CODEX_HOME: codexHome, AIRELAYS_PORT: port });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const written = readFileSync(join(codexHome, 'config.toml'), 'utf8');
  assert.equal(readFileSync(join(codexHome, 'config.toml.bak'), 'utf8'), original);
  for (const line of ['# my settings', 'model = "gpt-5.5"   # keep this comment', '[analytics]', '[tui]', 'notifications = true']) {
    assert.ok(written.includes(line), `kept: ${line}`);
  }
  assert.doesNotMatch(written, /stale|old\.invalid|legacy/);
  assert.match(readFileSync(join(codexHome, 'airelays.config.toml'), 'utf8'), /^model_provider = "airelays"$/m);
  assert.equal(written.match(/\[model_providers\.airelays\]/g).length, 1);
  const again = airelays(['connect', 'codex', '--write'], { CODEX_HOME: codexHome, AIRELAYS_PORT: port });
  assert.equal(again.status, 0);
  assert.equal(readFileSync(join(codexHome, 'config.toml'), 'utf8'), written, 'idempotent');

  // The documented recipe: eval "$(airelays env)" && codex --profile airelays
  const out = await new Promise((resolve) => {
    const child = spawn('sh', ['-c', `eval "$("$AIRELAYS_BIN" env)" && exec "$NODE" "$CODEX_JS" exec --skip-git-repo-check --profile airelays "say hi"`], {
      cwd: stack.home,
      env: { ...isolatedEnv(stack.home), AIRELAYS_PORT: port, CODEX_HOME: codexHome, AIRELAYS_BIN, NODE: process.execPath, CODEX_JS: codexJs },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, text }); });
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /Hi there from the fake upstream\./);
  assert.ok(existsSync(join(codexHome, 'config.toml')));
});
