// The official Anthropic SDK (@anthropic-ai/sdk, package.json) against /v1/messages of the real
// relay in front of the C++ fake backend (issue 17): a text answer, a stream, a two-step tool
// loop, an image, token counting, and errors in Anthropic's shape — authenticated with
// x-api-key, as the SDK sends the relay token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

let stack;
let client;

before(async () => {
  stack = await startStack();
  client = new Anthropic({ apiKey: RELAY_TOKEN, baseURL: stack.relay.url, maxRetries: 0 });
});

after(async () => {
  await stack?.stop();
});

async function lastUpstreamBody() {
  const posts = (await stack.requests()).filter((r) => r.path === '/backend-api/codex/responses');
  return JSON.parse(posts.at(-1).body);
}

test('messages.create answers a text turn with the model it was asked for', async () => {
  const msg = await client.messages.create({
    model: 'claude-sonnet-5',
    max_tokens: 256,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'say hi' }],
  });
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.equal(msg.model, 'claude-sonnet-5');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.deepEqual(msg.content, [{ type: 'text', text: 'Hi there from the fake upstream.' }]);
  assert.ok(msg.usage.output_tokens > 0);
  const body = await lastUpstreamBody();
  assert.equal(body.model, 'gpt-6.1-sol', 'claude-sonnet-* runs on the configured GPT model');
  assert.equal(body.instructions, 'You are terse.');
  const raw = await client.messages
    .create({ model: 'claude-sonnet-5', max_tokens: 10, top_k: 3, messages: [{ role: 'user', content: 'x' }] })
    .asResponse();
  assert.equal(raw.headers.get('x-airelays-ignored-parameters'), 'max_tokens,top_k');
});

test('messages.stream delivers text deltas and a final message', async () => {
  await stack.script('responses', { kind: 'text', text: 'Streaming words arrive one by one.' });
  const stream = client.messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'stream please' }],
  });
  const pieces = [];
  stream.on('text', (t) => pieces.push(t));
  const msg = await stream.finalMessage();
  assert.ok(pieces.length > 1, 'several text deltas');
  assert.equal(pieces.join(''), 'Streaming words arrive one by one.');
  assert.equal(msg.content[0].text, 'Streaming words arrive one by one.');
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal((await lastUpstreamBody()).model, 'gpt-6-luna');
});

test('a two-step tool loop: tool_use, then tool_result, then the answer', async () => {
  const tools = [{
    name: 'get_weather',
    description: 'Weather by city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  }];
  await stack.script('responses', {
    kind: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_weather1',
  });
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await client.messages.stream({ model: 'claude-opus-4-1', max_tokens: 256, tools, messages })
    .finalMessage();
  assert.equal(first.stop_reason, 'tool_use');
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(use, { type: 'tool_use', id: 'call_weather1', name: 'get_weather', input: { city: 'Paris' } });
  const up1 = await lastUpstreamBody();
  assert.equal(up1.model, 'gpt-6-astra');
  assert.equal(up1.tools[0].name, 'get_weather');

  await stack.script('responses', { kind: 'text', text: 'It is 18C and sunny in Paris.' });
  messages.push({ role: 'assistant', content: first.content });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] });
  const second = await client.messages.create({ model: 'claude-opus-4-1', max_tokens: 256, tools, messages });
  assert.equal(second.stop_reason, 'end_turn');
  assert.equal(second.content[0].text, 'It is 18C and sunny in Paris.');
  const up2 = await lastUpstreamBody();
  const call = up2.input.find((i) => i.type === 'function_call');
  const output = up2.input.find((i) => i.type === 'function_call_output');
  assert.equal(call.call_id, 'call_weather1');
  assert.equal(output.call_id, 'call_weather1');
  assert.equal(output.output, '18C and sunny');
});

test('an image block reaches the backend as input_image', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const msg = await client.messages.create({
    model: 'claude-sonnet-5',
    max_tokens: 64,
    messages: [{
      role: 'user',
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        { type: 'text', text: 'What is this?' },
      ],
    }],
  });
  assert.equal(msg.content[0].type, 'text');
  const part = (await lastUpstreamBody()).input[0].content[0];
  assert.equal(part.type, 'input_image');
  assert.equal(part.image_url, `data:image/png;base64,${png}`);
});

test('countTokens answers an estimate', async () => {
  const r = await client.messages.countTokens({
    model: 'claude-sonnet-5',
    messages: [{ role: 'user', content: 'a'.repeat(4000) }],
  });
  assert.ok(r.input_tokens > 900 && r.input_tokens < 1200, `estimate ${r.input_tokens}`);
});

test('errors arrive in Anthropic shape with the relay statuses', async () => {
  const bad = new Anthropic({ apiKey: 'wrong-token', baseURL: stack.relay.url, maxRetries: 0 });
  await assert.rejects(
    bad.messages.create({ model: 'claude-sonnet-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.AuthenticationError && err.status === 401 &&
      err.error?.type === 'error' && err.error?.error?.type === 'authentication_error',
  );
  await stack.script('responses', { kind: 'usage_limit', resets_in_seconds: 42 });
  await assert.rejects(
    client.messages.create({ model: 'claude-sonnet-5', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof Anthropic.RateLimitError && err.headers.get('retry-after') === '42' &&
      err.error?.error?.type === 'rate_limit_error',
  );
  await assert.rejects(
    client.messages.create({ model: 'claude-sonnet-5', max_tokens: 8, messages: [] }),
    (err) => err instanceof Anthropic.BadRequestError && err.error?.error?.type === 'invalid_request_error',
  );
});
