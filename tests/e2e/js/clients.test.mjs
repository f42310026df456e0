// Runs the "tested in CI" recipes of docs/clients.md as written: each snippet marked
// `<!-- ci: NAME -->` is extracted from the page and run (Node snippets as .mjs files next to
// node_modules, shell snippets with sh) with OPENAI_BASE_URL/OPENAI_API_KEY pointing at the
// relay in front of the fake backend, which is scripted for each run: text answers, a stream,
// and a tool loop of two tool calls followed by an answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, '..', '..', '..', 'docs', 'clients.md'), 'utf8');

// The fenced block that follows `<!-- ci: name -->`.
function snippet(name) {
  const m = page.match(new RegExp(`<!-- ci: ${name} -->\\s*\`\`\`(\\w+)\\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `docs/clients.md has the snippet ${name}`);
  return { lang: m[1], code: m[2] };
}

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: here,
      env: { PATH: process.env.PATH, HOME: stack.home, OPENAI_BASE_URL: stack.baseURL, OPENAI_API_KEY: RELAY_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

async function runNode(code, name) {
  const file = join(here, `.snippet-${name}-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    return await run(process.execPath, [file]);
  } finally {
    rmSync(file, { force: true });
  }
}

// Scripts the fake for one round: text, stream, then the tool loop.
async function scriptRound() {
  await stack.script('responses', { kind: 'text', text: 'Hello from the relay.' });
  await stack.script('responses', { kind: 'text', text: 'Streamed from the relay.' });
  await stack.script('responses', { kind: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_paris' });
  await stack.script('responses', { kind: 'tool_call', name: 'get_weather', arguments: '{"city":"Rome"}', call_id: 'call_rome' });
  await stack.script('responses', { kind: 'text', text: 'Sunny in Paris and in Rome.' });
}

async function backendPosts() {
  return (await stack.requests()).filter((r) => r.path === '/backend-api/codex/responses' && r.method === 'POST');
}

// The last request of a round carried both tool outputs back.
async function assertToolLoop(from) {
  const posts = (await backendPosts()).slice(from);
  assert.ok(posts.length >= 5, `5 backend calls, got ${posts.length}`);
  const input = JSON.parse(posts.at(-1).body).input;
  const outputs = input.filter((i) => i.type === 'function_call_output').map((i) => i.call_id).sort();
  assert.deepEqual(outputs, ['call_paris', 'call_rome']);
  assert.ok(input.some((i) => i.type === 'function_call_output' && /Sunny in Rome/.test(JSON.stringify(i.output))));
}

function assertRound(out) {
  assert.match(out, /Hello from the relay\./);
  assert.match(out, /Streamed from the relay\./);
  assert.match(out, /Sunny in Paris and in Rome\./);
}

for (const [title, pkg] of [['openai SDK v7', 'openai'], ['openai SDK v6', 'openai6']]) {
  test(`docs/clients.md recipe: ${title}`, async () => {
    const { code } = snippet('openai-node');
    const from = (await backendPosts()).length;
    await scriptRound();
    const r = await runNode(code.replace("from 'openai'", `from '${pkg}'`), pkg);
    assert.equal(r.code, 0, r.err);
    assertRound(r.out);
    await assertToolLoop(from);
  });
}

test('docs/clients.md recipe: Vercel AI SDK (Responses model and .chat())', async () => {
  const { code } = snippet('ai-sdk');
  const from = (await backendPosts()).length;
  await scriptRound();
  await scriptRound();
  const r = await runNode(code, 'ai-sdk');
  assert.equal(r.code, 0, r.err);
  const [responses, chat] = r.out.split(/Sunny in Paris and in Rome\.\n/);
  assertRound(`${responses}Sunny in Paris and in Rome.`);
  assertRound(`${chat}Sunny in Paris and in Rome.`);
  const posts = (await backendPosts()).slice(from);
  assert.equal(posts.length, 10);
  await assertToolLoop(from);
});

test('docs/clients.md recipe: LangChain JS (invoke, stream, tools)', async () => {
  const { code } = snippet('langchain');
  const from = (await backendPosts()).length;
  await scriptRound();
  const r = await runNode(code, 'langchain');
  assert.equal(r.code, 0, r.err);
  assertRound(r.out);
  await assertToolLoop(from);
});

test('docs/clients.md recipe: curl', async () => {
  const { lang, code } = snippet('curl');
  assert.equal(lang, 'sh');
  await stack.script('responses', { kind: 'text', text: 'Hello from the relay.' });
  await stack.script('responses', { kind: 'text', text: 'Streamed from the relay.' });
  const r = await run('sh', ['-c', code]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /"content":"Hello from the relay\."/);
  assert.match(r.out, /event: response\.output_text\.delta/);
  assert.match(r.out, /event: response\.completed/);
});
