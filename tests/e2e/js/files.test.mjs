// The Files API with the official openai npm SDK against the real airelays binary and the C++
// fake backend: upload a text file and an image, list, retrieve, download, delete; the text
// used in chat and responses requests reaches the upstream (fake request log); a binary file
// used as input is a 422; both upload limits are 413.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let stack;
let client;

before(async () => {
  // Small limits so the 413s need no large bodies: one file ≤ 4096 bytes, all ≤ 12288.
  stack = await startStack({
    extraConfig: '[uploads]\nmax_upload_bytes = 4096\nmax_total_upload_bytes = 12288\n',
  });
  client = new OpenAI({ apiKey: RELAY_TOKEN, baseURL: stack.baseURL, maxRetries: 0 });
});

after(async () => {
  await stack?.stop();
});

async function upstreamBodies() {
  return (await stack.requests())
    .filter((q) => q.path === '/backend-api/codex/responses')
    .map((q) => JSON.parse(q.body));
}

test('files: upload a text file and an image, list, retrieve, download, delete', async () => {
  const text = await client.files.create({
    file: await toFile(Buffer.from('alpha beta gamma\n'), 'greek.txt', { type: 'text/plain' }),
    purpose: 'user_data',
  });
  assert.match(text.id, /^file-/);
  assert.equal(text.object, 'file');
  assert.equal(text.filename, 'greek.txt');
  assert.equal(text.purpose, 'user_data');
  assert.equal(text.bytes, 17);
  assert.equal(typeof text.created_at, 'number');

  const image = await client.files.create({
    file: await toFile(PNG, 'dot.png', { type: 'image/png' }),
    purpose: 'vision',
  });
  assert.equal(image.purpose, 'vision');

  const listed = [];
  for await (const f of client.files.list()) listed.push(f.id);
  assert.ok(listed.indexOf(image.id) < listed.indexOf(text.id), 'newest first');
  const visionOnly = [];
  for await (const f of client.files.list({ purpose: 'vision' })) visionOnly.push(f.id);
  assert.deepEqual(visionOnly, [image.id]);

  const got = await client.files.retrieve(text.id);
  assert.equal(got.filename, 'greek.txt');
  const content = await client.files.content(image.id);
  assert.equal(content.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await content.arrayBuffer()), PNG);

  const deleted = await client.files.delete(image.id);
  assert.deepEqual(deleted, { id: image.id, object: 'file', deleted: true });
  await assert.rejects(client.files.retrieve(image.id), (e) => e.status === 404);
  await client.files.delete(text.id);
});

test('files: an uploaded text reaches the upstream from chat and from responses', async () => {
  const file = await client.files.create({
    file: await toFile(Buffer.from('The launch code is KIWI-7731.\n'), 'codes.txt', { type: 'text/plain' }),
    purpose: 'user_data',
  });
  const before = (await upstreamBodies()).length;
  await client.chat.completions.create({
    model: 'gpt-5.5',
    messages: [{
      role: 'user',
      content: [{ type: 'text', text: 'What is the code?' }, { type: 'file', file: { file_id: file.id } }],
    }],
  });
  await client.responses.create({
    model: 'gpt-5.5',
    input: [{
      role: 'user',
      content: [{ type: 'input_text', text: 'And again?' }, { type: 'input_file', file_id: file.id }],
    }],
  });
  const sent = (await upstreamBodies()).slice(before);
  assert.equal(sent.length, 2);
  for (const body of sent) {
    const json = JSON.stringify(body.input);
    assert.ok(json.includes('The launch code is KIWI-7731.'), json);
    assert.ok(!json.includes(file.id), 'the local file id is not sent upstream');
  }
  await client.files.delete(file.id);
});

test('files: a binary file used as input is a 422 naming its type, and nothing goes upstream', async () => {
  const zip = await client.files.create({
    file: await toFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0xff, 0xfe]), 'bundle.zip',
      { type: 'application/zip' }),
    purpose: 'user_data',
  });
  const before = (await upstreamBodies()).length;
  await assert.rejects(
    client.responses.create({
      model: 'gpt-5.5',
      input: [{ role: 'user', content: [{ type: 'input_file', file_id: zip.id }] }],
    }),
    (e) => e.status === 422 && /application\/zip/.test(e.message),
  );
  await assert.rejects(
    client.chat.completions.create({
      model: 'gpt-5.5',
      messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: zip.id } }] }],
    }),
    (e) => e.status === 422,
  );
  assert.equal((await upstreamBodies()).length, before);
  await client.files.delete(zip.id);
});

test('files: 413 for a file over max_upload_bytes and for the total quota', async () => {
  await assert.rejects(
    client.files.create({ file: await toFile(Buffer.alloc(4097, 97), 'big.txt'), purpose: 'user_data' }),
    (e) => e.status === 413 && /max_upload_bytes/.test(e.message),
  );
  const kept = [];
  for (let i = 0; i < 3; i++) {
    kept.push(await client.files.create({ file: await toFile(Buffer.alloc(4096, 98), `f${i}.txt`), purpose: 'user_data' }));
  }
  await assert.rejects(
    client.files.create({ file: await toFile(Buffer.alloc(1, 99), 'one-more.txt'), purpose: 'user_data' }),
    (e) => e.status === 413 && /max_total_upload_bytes/.test(e.message),
  );
  await client.files.delete(kept[0].id);
  const after = await client.files.create({ file: await toFile(Buffer.alloc(1, 99), 'fits.txt'), purpose: 'user_data' });
  assert.equal(after.bytes, 1);
});
