// Replays what the real Codex CLI 0.169 sends (tests/data/codex_capture/, captured by
// capture_codex.mjs) through the relay, and asserts the fake backend receives the same JSON
// body and the same headers, apart from the changes docs/api.md lists and justifies
// ("What the relay changes on the way to the backend"). Also: the backend's usage windows and
// ids reach the client unchanged, and /v1/alpha/search is relayed to the backend's alpha/search.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const captureDir = join(here, '..', '..', 'data', 'codex_capture');

// Request headers the relay sets itself (docs/api.md): the upstream login, the relay's own
// client identity, and the body framing of its upstream call.
const REPLACED = ['authorization', 'originator', 'user-agent', 'version', 'accept', 'content-type'];

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

async function lastBackendRequest(path) {
  const all = await stack.requests();
  return all.filter((r) => r.path === path && r.method === 'POST').at(-1);
}

// The body as the relay must send it: Codex's, with store:false and stream:true (Codex already
// sends both) and a "." for blank instructions.
function expectedBody(body) {
  const out = { ...body, store: false, stream: true };
  if (typeof out.instructions !== 'string' || out.instructions.trim() === '') out.instructions = '.';
  return out;
}

const captures = readdirSync(captureDir).filter((f) => f.endsWith('.json')).sort();

test('there is a capture for every scenario of issue 16', () => {
  for (const provider of ['custom', 'builtin']) {
    for (const s of ['plain', 'tool', 'resumed', 'compaction', 'web_search']) {
      assert.ok(captures.includes(`${provider}_${s}.json`), `${provider}_${s}.json`);
    }
  }
});

for (const file of captures) {
  test(`replay of ${file} reaches the backend as Codex sent it`, async () => {
    const { requests } = JSON.parse(readFileSync(join(captureDir, file), 'utf8'));
    assert.ok(requests.length > 0);
    for (const [i, captured] of requests.entries()) {
      const headers = { ...captured.headers, authorization: `Bearer ${RELAY_TOKEN}` };
      if (captured.body.input?.at(-1)?.type === 'compaction_trigger') {
        await stack.script('responses', { kind: 'compaction' });
      }
      const res = await fetch(`${stack.relay.url}${captured.path}`, {
        method: 'POST', headers, body: JSON.stringify(captured.body),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${file}#${i}: ${text.slice(0, 300)}`);
      // What the backend answered with and Codex reads, unchanged.
      assert.equal(res.headers.get('x-codex-primary-used-percent'), '12.0');
      assert.equal(res.headers.get('x-codex-secondary-window-minutes'), '10080');
      assert.equal(res.headers.get('openai-model'), captured.body.model);
      assert.match(res.headers.get('x-oai-request-id') ?? '', /^oai_upstream_/);
      assert.match(res.headers.get('x-upstream-request-id') ?? '', /^req_upstream_/);
      assert.match(res.headers.get('x-request-id') ?? '', /^req_/);

      const got = await lastBackendRequest('/backend-api/codex/responses');
      assert.deepEqual(JSON.parse(got.body), expectedBody(captured.body), `${file}#${i}: body`);
      for (const [name, value] of Object.entries(captured.headers)) {
        if (REPLACED.includes(name)) continue;
        assert.equal(got.headers[name], value, `${file}#${i}: header ${name}`);
      }
      if (captured.body.input?.at(-1)?.type === 'compaction_trigger') {
        assert.match(text, /"type":"compaction"/, 'the compaction item comes back');
      }
    }
  });
}

test('/v1/alpha/search is relayed to the backend alpha/search with Codex headers', async () => {
  const body = { query: 'airelays relay', max_results: 3 };
  const res = await fetch(`${stack.baseURL}/alpha/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json',
      'session-id': 'sess-1', 'x-codex-turn-metadata': '{"turn_id":"t1"}' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).results[0].title, 'Fake result');
  assert.equal(res.headers.get('x-codex-primary-used-percent'), '12.0');
  const got = await lastBackendRequest('/backend-api/codex/alpha/search');
  assert.ok(got, 'the backend got the search');
  assert.deepEqual(JSON.parse(got.body), body);
  assert.equal(got.headers['session-id'], 'sess-1');
  assert.equal(got.headers['x-codex-turn-metadata'], '{"turn_id":"t1"}');
  assert.match(got.headers.authorization, /^Bearer /);
  assert.notEqual(got.headers.authorization, `Bearer ${RELAY_TOKEN}`);
});
