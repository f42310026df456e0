// Reasoning effort that never fails upstream (issue 16): a requested effort the model lacks
// (per the models endpoint's supported_reasoning_levels) is mapped to the nearest supported
// level and disclosed in x-airelays-adjusted-parameters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

const headers = { authorization: `Bearer ${RELAY_TOKEN}`, 'content-type': 'application/json' };
async function lastEffort() {
  const posts = (await stack.requests()).filter((r) => r.path === '/backend-api/codex/responses');
  return JSON.parse(posts.at(-1).body).reasoning?.effort;
}

for (const [requested, used] of [['minimal', 'low'], ['none', 'low'], ['max', 'xhigh']]) {
  test(`chat reasoning_effort ${requested} on gpt-5.5 goes upstream as ${used}`, async () => {
    const res = await fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST', headers,
      body: JSON.stringify({ model: 'gpt-5.5', reasoning_effort: requested, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    await res.json();
    assert.equal(res.headers.get('x-airelays-adjusted-parameters'), `reasoning_effort=${requested}->${used}`);
    assert.equal(await lastEffort(), used);
  });
}

test('responses reasoning.effort the model has is left alone, one it lacks is mapped', async () => {
  const call = (effort) => fetch(`${stack.baseURL}/responses`, {
    method: 'POST', headers,
    body: JSON.stringify({ model: 'gpt-5.5', input: 'hi', reasoning: { effort } }),
  });
  let res = await call('high');
  await res.json();
  assert.equal(res.headers.get('x-airelays-adjusted-parameters'), null);
  assert.equal(await lastEffort(), 'high');
  res = await call('ultra');
  await res.json();
  assert.equal(res.headers.get('x-airelays-adjusted-parameters'), 'reasoning.effort=ultra->xhigh');
  assert.equal(await lastEffort(), 'xhigh');
});
