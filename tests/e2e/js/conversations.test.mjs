// The Conversations API and previous_response_id with the official openai npm SDK against the
// real airelays binary and the C++ fake backend: a conversation used over three turns, each
// upstream request (fake request log) carrying the full history and the conversation id as
// session id; previous_response_id chaining; 404s for unknown ids.
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

async function upstreamRequests() {
  return (await stack.requests()).filter((q) => q.path === '/backend-api/codex/responses');
}

test('conversations: three turns, each upstream request carries the full history', async () => {
  const conv = await client.conversations.create({
    metadata: { topic: 'colours' },
    items: [{ type: 'message', role: 'user', content: 'Remember: my favourite colour is teal.' }],
  });
  assert.match(conv.id, /^conv_/);
  assert.equal(conv.object, 'conversation');

  const questions = ['Q-ONE', 'Q-TWO', 'Q-THREE'];
  const answers = ['A-ONE', 'A-TWO', 'A-THREE'];
  const start = (await upstreamRequests()).length;
  for (let turn = 0; turn < 3; turn++) {
    await stack.script('responses', { kind: 'text', text: answers[turn] });
    const r = await client.responses.create({ model: 'gpt-5.5', conversation: conv.id, input: questions[turn] });
    assert.equal(r.output_text, answers[turn]);
  }
  const sent = (await upstreamRequests()).slice(start);
  assert.equal(sent.length, 3);
  sent.forEach((req, turn) => {
    const body = JSON.parse(req.body);
    const text = JSON.stringify(body.input);
    assert.ok(text.includes('favourite colour is teal'), `turn ${turn}: ${text}`);
    for (let earlier = 0; earlier < turn; earlier++) {
      assert.ok(text.includes(questions[earlier]) && text.includes(answers[earlier]), `turn ${turn}: ${text}`);
    }
    assert.ok(text.includes(questions[turn]));
    assert.equal(body.input.length, 1 + 2 * turn + 1);
    assert.equal(body.conversation, undefined);
    assert.equal(req.headers.session_id, conv.id);
  });

  const items = [];
  for await (const item of client.conversations.items.list(conv.id, { order: 'asc' })) items.push(item);
  assert.equal(items.length, 7);
  assert.equal(items.at(-1).content[0].text, 'A-THREE');

  const updated = await client.conversations.update(conv.id, { metadata: { mood: 'calm' } });
  assert.deepEqual(updated.metadata, { topic: 'colours', mood: 'calm' });
  const deleted = await client.conversations.delete(conv.id);
  assert.equal(deleted.deleted, true);
  await assert.rejects(client.conversations.retrieve(conv.id), (e) => e.status === 404);
  await assert.rejects(
    client.responses.create({ model: 'gpt-5.5', conversation: conv.id, input: 'hi' }),
    (e) => e.status === 404,
  );
});

test('conversations: items can be added and read back', async () => {
  const conv = await client.conversations.create();
  const added = await client.conversations.items.create(conv.id, {
    items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'note to self' }] }],
  });
  assert.equal(added.data.length, 1);
  const id = added.data[0].id;
  const item = await client.conversations.items.retrieve(id, { conversation_id: conv.id });
  assert.equal(item.content[0].text, 'note to self');
});

test('previous_response_id: a chain of three responses sends the whole history upstream', async () => {
  await stack.script('responses', { kind: 'text', text: 'FIRST-A' });
  const r1 = await client.responses.create({ model: 'gpt-5.5', input: 'FIRST-Q' });
  await stack.script('responses', { kind: 'text', text: 'SECOND-A' });
  const r2 = await client.responses.create({ model: 'gpt-5.5', input: 'SECOND-Q', previous_response_id: r1.id });
  assert.equal(r2.output_text, 'SECOND-A');
  const start = (await upstreamRequests()).length;
  const stream = await client.responses.create({
    model: 'gpt-5.5', input: 'THIRD-Q', previous_response_id: r2.id, stream: true,
  });
  for await (const _event of stream) { /* drain */ }
  const [third] = (await upstreamRequests()).slice(start);
  const text = JSON.stringify(JSON.parse(third.body).input);
  let at = 0;
  for (const expected of ['FIRST-Q', 'FIRST-A', 'SECOND-Q', 'SECOND-A', 'THIRD-Q']) {
    const found = text.indexOf(expected, at);
    assert.ok(found >= 0, `${expected} in order in ${text}`);
    at = found;
  }
  assert.equal(JSON.parse(third.body).previous_response_id, undefined);
  await assert.rejects(
    client.responses.create({ model: 'gpt-5.5', input: 'x', previous_response_id: 'resp_never_seen' }),
    (e) => e.status === 404,
  );
});
