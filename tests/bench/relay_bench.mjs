// Relay benchmark: the same work sent through airelays and straight to the C++ fake backend,
// side by side in one run. Prints added latency (p50/p99) of sequential non-stream chat,
// time to first token added for streams, throughput at 32 connections, and the relay's CPU
// time per request (from /proc), which stays meaningful when relay, fake and load generator
// share the cores.
// Usage: AIRELAYS_BIN=build/airelays FAKE_UPSTREAM_BIN=build/tests/fake_upstream \
//        node tests/bench/relay_bench.mjs [requests=400] [seconds=5]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startStack, RELAY_TOKEN, loginRecord } from '../e2e/js/helpers.mjs';

const N = Number(process.argv[2] ?? 400);
const SECONDS = Number(process.argv[3] ?? 5);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// One request; resolves {ttfb, total} in ms after reading the whole body.
function request(url, headers, body) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let ttfb = null;
      res.on('data', () => { if (ttfb === null) ttfb = Number(process.hrtime.bigint() - t0) / 1e6; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        resolve({ ttfb, total: Number(process.hrtime.bigint() - t0) / 1e6 });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const cpuTicks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };

const stack = await startStack({ extraConfig: '[security]\nrate_limit_per_minute = 100000000\nrate_limit_burst = 100000000\nconcurrent_requests_per_ip = 1000\n' });
try {
  const direct = { url: `${stack.fake.url}/backend-api/codex/responses`, headers: { authorization: `Bearer ${loginRecord().tokens.access_token}`, 'chatgpt-account-id': 'acct' },
    body: { model: 'gpt-5.5', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], instructions: '.', stream: true, store: false, tools: [] } };
  const relay = { url: `${stack.baseURL}/chat/completions`, headers: { authorization: `Bearer ${RELAY_TOKEN}` },
    body: { model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] } };
  const relayStream = { ...relay, body: { ...relay.body, stream: true } };
  for (let i = 0; i < 50; i++) { await request(direct.url, direct.headers, direct.body); await request(relay.url, relay.headers, relay.body); }

  const seq = async (t) => { const xs = []; for (let i = 0; i < N; i++) xs.push(await request(t.url, t.headers, t.body)); return xs; };
  const d = await seq(direct);
  const pid = stack.relay.child.pid;
  const cpu0 = cpuTicks(pid);
  const r = await seq(relay);
  const cpuPerReq = (cpuTicks(pid) - cpu0) * 10 / N; // ms (100 Hz ticks)
  const rs = await seq(relayStream);

  const load = async (t) => {
    let done = 0; const end = Date.now() + SECONDS * 1000;
    await Promise.all(Array.from({ length: 32 }, async () => { while (Date.now() < end) { await request(t.url, t.headers, t.body); done++; } }));
    return done / SECONDS;
  };
  const dRate = await load(direct);
  const rRate = await load(relay);

  const row = (name, a, b) => console.log(`${name.padEnd(38)}${a.padStart(12)}${b.padStart(12)}`);
  console.log(`relay bench: ${N} sequential requests, ${SECONDS}s at 32 connections`);
  row('', 'direct', 'relay');
  row('non-stream p50 (ms)', pct(d.map((x) => x.total), 0.5).toFixed(3), pct(r.map((x) => x.total), 0.5).toFixed(3));
  row('non-stream p99 (ms)', pct(d.map((x) => x.total), 0.99).toFixed(3), pct(r.map((x) => x.total), 0.99).toFixed(3));
  row('time to first byte p50 (ms)', pct(d.map((x) => x.ttfb), 0.5).toFixed(3), pct(rs.map((x) => x.ttfb), 0.5).toFixed(3));
  row('throughput at 32 conns (req/s)', dRate.toFixed(0), rRate.toFixed(0));
  console.log(`added p50 ${(pct(r.map((x) => x.total), 0.5) - pct(d.map((x) => x.total), 0.5)).toFixed(3)} ms, ` +
    `added p99 ${(pct(r.map((x) => x.total), 0.99) - pct(d.map((x) => x.total), 0.99)).toFixed(3)} ms, ` +
    `TTFT added ${(pct(rs.map((x) => x.ttfb), 0.5) - pct(d.map((x) => x.ttfb), 0.5)).toFixed(3)} ms, ` +
    `relay CPU ${cpuPerReq.toFixed(3)} ms/request`);
} finally {
  agent.destroy();
  await stack.stop();
}
