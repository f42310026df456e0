// The real Claude Code CLI (@anthropic-ai/claude-code 2.1.x, pinned in package.json) driven
// headless (`claude -p`) against /v1/messages of the relay in front of the C++ fake backend
// (issue 17): a plain answer, and a turn in which Claude Code runs its own Read tool on a file
// and sends the result back. Claude Code runs in a throw-away HOME with
// ANTHROPIC_BASE_URL/ANTHROPIC_AUTH_TOKEN pointing at the relay and no other traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, RELAY_TOKEN } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// The package's own launcher: finds the platform binary whether or not postinstall ran.
const claudeJs = join(here, 'node_modules', '@anthropic-ai', 'claude-code', 'cli-wrapper.cjs');

let stack;
let claudeHome;
let workDir;

before(async () => {
  stack = await startStack();
  claudeHome = join(stack.home, 'claude-home');
  workDir = join(stack.home, 'work');
  mkdirSync(claudeHome, { recursive: true });
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, 'notes.txt'), 'secret-content-42\n');
});

after(async () => {
  await stack?.stop();
});

// Runs `claude -p` to completion; resolves {code, stdout, stderr}.
function claude(prompt) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [claudeJs, '-p', prompt], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        HOME: claudeHome,
        ANTHROPIC_BASE_URL: stack.relay.url,
        ANTHROPIC_AUTH_TOKEN: RELAY_TOKEN,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function upstreamPosts() {
  return (await stack.requests()).filter((r) => r.path === '/backend-api/codex/responses' && r.method === 'POST');
}

test('claude -p gets a plain answer through /v1/messages', async () => {
  const r = await claude('say hi');
  assert.equal(r.code, 0, `claude failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Hi there from the fake upstream\./);
  const posts = await upstreamPosts();
  assert.ok(posts.length >= 1);
  const body = JSON.parse(posts.at(-1).body);
  assert.match(body.model, /^gpt-/, 'the claude-* model ran on a GPT model');
  assert.ok(body.tools.some((t) => t.name === 'Read'), "Claude Code's tools reach the backend");
  assert.ok(!body.instructions.includes('x-anthropic-billing-header'));
  assert.match(body.prompt_cache_key, /^[0-9a-f-]{36}$/, "Claude Code's session id keys the prompt cache");
  assert.equal(posts.at(-1).headers.session_id, body.prompt_cache_key);
});

test('claude -p runs its Read tool and sends the file back', async () => {
  const before = (await upstreamPosts()).length;
  await stack.script('responses', {
    kind: 'tool_call',
    name: 'Read',
    arguments: JSON.stringify({ file_path: join(workDir, 'notes.txt') }),
    call_id: 'call_read1',
  });
  await stack.script('responses', { kind: 'text', text: 'The note says secret-content-42.' });
  const r = await claude('read notes.txt');
  assert.equal(r.code, 0, `claude failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /The note says secret-content-42\./);
  const posts = (await upstreamPosts()).slice(before);
  assert.equal(posts.length, 2, 'one call for the tool_use, one with its result');
  const input = JSON.parse(posts[1].body).input;
  const call = input.find((i) => i.type === 'function_call' && i.call_id === 'call_read1');
  const output = input.find((i) => i.type === 'function_call_output' && i.call_id === 'call_read1');
  assert.ok(call, 'the tool_use is replayed as a function_call');
  assert.equal(call.name, 'Read');
  assert.ok(output, 'the tool_result is sent back');
  assert.match(JSON.stringify(output.output), /secret-content-42/, 'Claude Code really read the file');
});
