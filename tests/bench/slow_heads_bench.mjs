// Slow-head benchmark (issue 14 item 2): holds 1,000 connections that each sent part of a
// request head and never finish it, then times 20 requests each to /healthz and to an
// authenticated /v1/models on fresh connections, and prints p50/p99 (target: p99 ≤ 100 ms).
// Exits 1 when a request fails or the p99 target is missed.
// Usage: AIRELAYS_BIN=build/airelays FAKE_UPSTREAM_BIN=build/tests/fake_upstream \
//        node tests/bench/slow_heads_bench.mjs [connections=1000] [tries=20]
// (ulimit -n must allow the connections: `ulimit -n 4096` first if it is 1024.)
import http from 'node:http';
import net from 'node:net';
import { startStack, RELAY_TOKEN } from '../e2e/js/helpers.mjs';

const CONNS = Number(process.argv[2] ?? 1000);
const TRIES = Number(process.argv[3] ?? 20);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

function timedGet(url, headers) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(url, { agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: status ${res.statusCode}`));
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error(`${url}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

function slowHead(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n');
      resolve(s);
    });
    s.on('error', reject);
  });
}

const stack = await startStack({ extraConfig: '[server]\nrequest_head_timeout_seconds = 60\n[security]\nrate_limit_per_minute = 100000\nrate_limit_burst = 100000\n' });
let failed = false;
const sockets = [];
try {
  const port = Number(new URL(stack.relay.url).port);
  const auth = { authorization: `Bearer ${RELAY_TOKEN}` };
  await timedGet(`${stack.baseURL}/models`, auth); // the catalog cache, warm
  for (let i = 0; i < CONNS; i++) sockets.push(await slowHead(port));
  const health = [];
  const models = [];
  for (let i = 0; i < TRIES; i++) {
    health.push(await timedGet(`${stack.relay.url}/healthz`, {}));
    models.push(await timedGet(`${stack.baseURL}/models`, auth));
  }
  console.log(`slow-head bench: ${CONNS} slow-head connections held, ${TRIES} tries each`);
  for (const [name, xs] of [['/healthz', health], ['/v1/models (authenticated)', models]]) {
    const p99 = pct(xs, 0.99);
    console.log(`${name.padEnd(30)} p50 ${pct(xs, 0.5).toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   ${p99 <= 100 ? 'ok' : 'OVER the 100 ms target'}`);
    failed ||= p99 > 100;
  }
} catch (e) {
  console.error(`slow-head bench: ${e.message}`);
  failed = true;
} finally {
  for (const s of sockets) s.destroy();
  await stack.stop();
}
process.exit(failed ? 1 : 0);
