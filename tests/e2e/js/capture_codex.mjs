// Captures what the real Codex CLI 0.169 sends on /v1/responses (and /v1/alpha/search), for
// the replay test (codex_replay.test.mjs). Not a test: run it by hand when Codex is upgraded:
//   AIRELAYS_BIN=… FAKE_UPSTREAM_BIN=… node capture_codex.mjs
// Codex is pointed straight at the fake's capture endpoints (/v1/…, any key), once as a custom
// provider and once as the built-in OpenAI provider (openai_base_url); each scenario's
// requests (method, path, headers, JSON body) go to tests/data/codex_capture/<name>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, FAKE_UPSTREAM_BIN } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const codexJs = join(here, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
const outDir = join(here, '..', '..', 'data', 'codex_capture');
const KEY = 'capture-key-0123456789';

const fake = await startListening(FAKE_UPSTREAM_BIN, [], { PATH: process.env.PATH });
const home = mkdtempSync(join(tmpdir(), 'airelays-capture-'));

function codexHome(name, provider, extra = []) {
  const dir = join(home, name);
  mkdirSync(dir, { recursive: true });
  const lines = provider === 'builtin'
    ? [`openai_base_url = "${fake.url}/v1"`]
    : ['model_provider = "relay"'];
  lines.push('model = "gpt-5.5"', 'check_for_update_on_startup = false', ...extra, '',
    '[analytics]', 'enabled = false', '');
  if (provider !== 'builtin') {
    lines.push('[model_providers.relay]', 'name = "relay"', `base_url = "${fake.url}/v1"`,
      'env_key = "RELAY_TOKEN"', 'wire_api = "responses"', 'request_max_retries = 0',
      'stream_max_retries = 0', '');
  }
  writeFileSync(join(dir, 'config.toml'), lines.join('\n'));
  return dir;
}

function codex(dir, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [codexJs, 'exec', '--skip-git-repo-check', ...args], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: dir, RELAY_TOKEN: KEY,
        CODEX_API_KEY: KEY, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const post = (path, body) => fetch(`${fake.url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const script = (step) => post('/__fake/script', { key: 'responses', step });
const reset = () => post('/__fake/reset', {});
const logged = async () => (await (await fetch(`${fake.url}/__fake/requests`)).json())
  .filter((r) => r.path.startsWith('/v1/') && r.method === 'POST')
  .map((r) => ({ method: r.method, path: r.path, headers: wireHeaders(r.headers), body: JSON.parse(r.body) }));

// The headers Codex sent, without httplib's pseudo-headers and the per-connection ones; the
// key is a placeholder (the replay sends the relay token instead).
function wireHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    if (['host', 'content-length', 'local_addr', 'local_port', 'remote_addr', 'remote_port'].includes(k)) continue;
    out[k] = k === 'authorization' ? 'Bearer <key>' : v;
  }
  return out;
}

async function scenario(name, steps) {
  await reset();
  const outputs = [];
  for (const s of steps) {
    for (const step of s.script ?? []) await script(step);
    const r = await codex(s.home, s.args);
    outputs.push(r.out);
    if (r.code !== 0) console.error(`${name}: codex exited ${r.code}\n${r.out}`);
  }
  const requests = await logged();
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify({ scenario: name, requests })}\n`);
  console.log(`${name}: ${requests.length} requests`);
  return outputs;
}

mkdirSync(outDir, { recursive: true });
for (const provider of ['custom', 'builtin']) {
  const plain = codexHome(`${provider}-plain`, provider);
  await scenario(`${provider}_plain`, [{ home: plain, args: ['say hi'] }]);
  await scenario(`${provider}_tool`, [{ home: codexHome(`${provider}-tool`, provider), args: ['run echo hello-from-tool'],
    script: [{ kind: 'tool_call', name: 'exec_command', arguments: '{"cmd":"echo hello-from-tool"}', call_id: 'call_capture1' },
      { kind: 'text', text: 'The tool said hello.' }] }]);
  const resumed = codexHome(`${provider}-resume`, provider);
  await scenario(`${provider}_resumed`, [{ home: resumed, args: ['say hi'] },
    { home: resumed, args: ['resume', '--last', 'and again'] }]);
  const compact = codexHome(`${provider}-compact`, provider, ['model_auto_compact_token_limit = 1000']);
  const out = await scenario(`${provider}_compaction`, [{ home: compact, args: ['say hi'] },
    { home: compact, args: ['resume', '--last', 'and again'] }]);
  console.log(out.join('\n---\n').split('\n').filter((l) => /compact/i.test(l)).join('\n'));
  await scenario(`${provider}_web_search`, [{ home: codexHome(`${provider}-search`, provider, ['web_search = "live"']),
    args: ['search the web for airelays'] }]);
}
fake.child.kill('SIGTERM');
rmSync(home, { recursive: true, force: true });
