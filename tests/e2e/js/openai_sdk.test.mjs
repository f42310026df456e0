// The official openai npm SDK (v6) against the real airelays binary in front of the C++ fake
// backend: chat (stream and not, with tools), responses (stream and not), completions,
// models, and upstream errors surfacing as SDK errors with the right status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

let stack;
let client;

before(async () => {
  stack = await startStack();
  client = new OpenAI({ apiKey: RELAY_TOKEN, baseURL: stack.baseURL, maxRetries: 0 });
});

after(async () => {
  await stack?.stop();
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('chat.completions.create (non-stream) returns the fake upstream text', async () => {
  const r = await client.chat.completions.create({
    model: 'gpt-5.5',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
  });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices[0].message.content, 'Hi there from the fake upstream.');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.prompt_tokens, 1234);
  assert.equal(r.usage.completion_tokens, 12);
  const sent = (await stack.requests()).filter((q) => q.path === '/backend-api/codex/responses').at(-1);
  const body = JSON.parse(sent.body);
  assert.equal(body.store, false);
  assert.equal(body.stream, true);
});

test('chat.completions stream with tools yields tool-call deltas and finish_reason tool_calls', async () => {
  await stack.script('responses', { kind: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_abc' });
  const stream = await client.chat.completions.create({
    model: 'gpt-5.5',
    stream: true,
    stream_options: { include_usage: true },
    tools: [weatherTool],
    messages: [{ role: 'user', content: 'weather in Paris?' }],
  });
  let args = '';
  let name;
  let id;
  let finish;
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    for (const tc of choice.delta.tool_calls ?? []) {
      assert.equal(tc.index, 0);
      if (tc.id) id = tc.id;
      if (tc.function?.name) name = tc.function.name;
      args += tc.function?.arguments ?? '';
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(name, 'get_weather');
  assert.equal(id, 'call_abc');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  assert.equal(finish, 'tool_calls');
  assert.equal(usage.total_tokens, 1246);
});

test('chat tool loop: assistant tool_calls with null content and a tool result are accepted', async () => {
  const r = await client.chat.completions.create({
    model: 'gpt-5.5',
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: 'sunny' },
    ],
  });
  assert.equal(r.choices[0].message.content, 'Hi there from the fake upstream.');
  const sent = (await stack.requests()).filter((q) => q.path === '/backend-api/codex/responses').at(-1);
  const input = JSON.parse(sent.body).input;
  assert.ok(input.some((i) => i.type === 'function_call' && i.call_id === 'call_abc'));
  assert.ok(input.some((i) => i.type === 'function_call_output' && i.call_id === 'call_abc'));
});

test('chat stream delivers text deltas that join to the answer', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: 'hi' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'Hi there from the fake upstream.');
});

test('responses.create (non-stream) rebuilds the response object', async () => {
  const r = await client.responses.create({ model: 'gpt-5.5', input: 'hi' });
  assert.equal(r.status, 'completed');
  assert.equal(r.output_text, 'Hi there from the fake upstream.');
});

test('responses stream passes the upstream events through', async () => {
  const stream = await client.responses.create({ model: 'gpt-5.5', input: 'hi', stream: true });
  const types = [];
  let text = '';
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === 'response.output_text.delta') text += ev.delta;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.equal(text, 'Hi there from the fake upstream.');
});

test('completions.create returns a text_completion', async () => {
  const r = await client.completions.create({ model: 'gpt-5.5', prompt: 'Say hi' });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, 'Hi there from the fake upstream.');
});

test('models.list lists the upstream catalog plus extra models', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('gpt-5.5'));
  assert.ok(ids.includes('gpt-6.1-sol'));
  const one = await client.models.retrieve('gpt-5.5');
  assert.equal(one.id, 'gpt-5.5');
});

test('an upstream usage limit is a RateLimitError with status 429 and the upstream code', async () => {
  await stack.script('responses', { kind: 'usage_limit', resets_in_seconds: 3600 });
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    (err) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'usage_limit_reached');
      assert.equal(err.headers.get('retry-after'), '3600');
      return true;
    },
  );
});

test('an upstream invalid request is a BadRequestError with the upstream message', async () => {
  await stack.script('responses', { kind: 'invalid_request', message: 'Invalid value for input.' });
  await assert.rejects(
    client.responses.create({ model: 'gpt-5.5', input: 'hi' }),
    (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.status, 400);
      assert.match(err.message, /Invalid value for input/);
      return true;
    },
  );
});

test('an upstream that stays overloaded is a 502 InternalServerError', async () => {
  await stack.script('responses', { kind: 'overloaded' });
  await stack.script('responses', { kind: 'overloaded' });
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => {
      assert.ok(err instanceof OpenAI.InternalServerError);
      assert.equal(err.status, 502);
      return true;
    },
  );
});

test('a failure after the first byte surfaces as an error in the chat stream', async () => {
  await stack.script('responses', { kind: 'fail_after_content' });
  const stream = await client.chat.completions.create({
    model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: 'hi' }],
  });
  await assert.rejects(async () => {
    for await (const _ of stream) { /* drain */ }
  }, /overloaded/i);
});

test('a responses stream that ends with response.completed and then loses its upstream does not throw', async () => {
  await stack.script('responses', { kind: 'text', drop: true });
  const stream = await client.responses.create({ model: 'gpt-5.5', input: 'hi', stream: true });
  const types = [];
  for await (const ev of stream) types.push(ev.type);
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(!types.includes('error'));
  // The SDK's stream helper throws on an error event: the finished answer must come through.
  await stack.script('responses', { kind: 'text', drop: true });
  const final = await client.responses.stream({ model: 'gpt-5.5', input: 'hi' }).finalResponse();
  assert.equal(final.output_text, 'Hi there from the fake upstream.');
});

test('a chat stream with include_usage ends with a usage chunk even when the upstream gave none', async () => {
  await stack.script('responses', { kind: 'text', usage: null });
  const stream = await client.chat.completions.create({
    model: 'gpt-5.5', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hi' }],
  });
  let usage = null;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.deepEqual(
    { prompt: usage?.prompt_tokens, completion: usage?.completion_tokens, total: usage?.total_tokens },
    { prompt: 0, completion: 0, total: 0 },
  );
});
