// Two relay binaries, A and B, side by side in one run: each against its own fake upstream,
// sequential non-stream (then streamed) chat requests sent to A and B in turn, one request
// each at a time, so the machine's load falls on both alike. Prints p50/p90/p99 of each, the
// difference, and each relay's CPU time per request. For judging a change to the request
// path on a shared, noisy machine, where two runs a minute apart differ by more than the
// change. Last, with wrk installed: 32 connections against A and B at the same time (two wrk
// processes, 5 s, three rounds), so both relays compete for the same cores: requests per
// second and CPU time per request of each.
// Usage: FAKE_UPSTREAM_BIN=build/tests/fake_upstream \
//        node tests/bench/ab_latency.mjs path/to/airelays-A path/to/airelays-B [requests=2000]
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const [binA, binB] = process.argv.slice(2, 4);
const N = Number(process.argv[4] ?? 2000);
if (!binA || !binB) {
  console.error('usage: ab_latency.mjs A B [requests]');
  process.exit(2);
}

async function stackFor(bin, tag) {
  process.env.AIRELAYS_BIN = bin;
  const { startStack, RELAY_TOKEN } = await import(`../e2e/js/helpers.mjs?${tag}`);
  const stack = await startStack({ fakeThreads: 100, extraConfig: '[server]\nworkers = 64\n[security]\nrate_limit_per_minute = 100000000\nrate_limit_burst = 100000000\nconcurrent_requests_per_ip = 1000\n' });
  return { stack, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), token: RELAY_TOKEN };
}

function request(s, stream) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(`${s.stack.baseURL}/chat/completions`, { method: 'POST', agent: s.agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` } }, (res) => {
      let ttfb = null;
      res.on('data', () => { ttfb ??= Number(process.hrtime.bigint() - t0) / 1e6; });
      res.on('end', () => (res.statusCode === 200 ? resolve({ total: Number(process.hrtime.bigint() - t0) / 1e6, ttfb }) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }], stream }));
  });
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const cpuMs = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };

// wrk against one relay for 5 s; resolves requests per second.
function wrk(s, conns, lua) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${conns}`, '-d5s', '-s', lua, `${s.stack.baseURL}/chat/completions`]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', () => {
      if (/Non-2xx|Socket errors/.test(out)) return reject(new Error(`wrk saw errors:\n${out}`));
      resolve(Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]));
    });
  });
}

async function throughput() {
  const dir = mkdtempSync(join(tmpdir(), 'airelays-ab-'));
  const lua = join(dir, 'post.lua');
  const body = JSON.stringify({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] });
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer ${a.token}"\n`);
  console.log('\n32 connections each, A and B at the same time (wrk, 5 s)   A req/s  B req/s   A CPU ms/req  B CPU ms/req');
  try {
    for (let round = 1; round <= 3; round++) {
      const c0 = [cpuMs(a.stack.relay.child.pid), cpuMs(b.stack.relay.child.pid)];
      const [ra, rb] = await Promise.all([wrk(a, 32, lua), wrk(b, 32, lua)]);
      const cpu = [(cpuMs(a.stack.relay.child.pid) - c0[0]) / (ra * 5), (cpuMs(b.stack.relay.child.pid) - c0[1]) / (rb * 5)];
      console.log(`  round ${round} (load ${loadavg()[0].toFixed(2)})`.padEnd(60) + `${ra.toFixed(0).padStart(8)} ${rb.toFixed(0).padStart(8)}   ${cpu[0].toFixed(3).padStart(12)}  ${cpu[1].toFixed(3).padStart(12)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const a = await stackFor(binA, 'A');
const b = await stackFor(binB, 'B');
console.log(`A = ${binA}\nB = ${binB}\n${N} requests each, alternating; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (const stream of [false, true]) {
    for (let i = 0; i < 50; i++) { await request(a, stream); await request(b, stream); }
    const xa = [];
    const xb = [];
    const c0 = [cpuMs(a.stack.relay.child.pid), cpuMs(b.stack.relay.child.pid)];
    for (let i = 0; i < N; i++) {
      // Alternate which goes first, so neither always follows the other's wake-ups.
      if (i % 2 === 0) { xa.push(await request(a, stream)); xb.push(await request(b, stream)); }
      else { xb.push(await request(b, stream)); xa.push(await request(a, stream)); }
    }
    const cpu = [(cpuMs(a.stack.relay.child.pid) - c0[0]) / N, (cpuMs(b.stack.relay.child.pid) - c0[1]) / N];
    const key = stream ? 'ttfb' : 'total';
    console.log(`\n${stream ? 'streamed chat, time to first byte' : 'non-stream chat, whole response'} (ms)      A        B    B - A`);
    for (const [p, label] of [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']]) {
      const pa = pct(xa.map((x) => x[key]), p);
      const pb = pct(xb.map((x) => x[key]), p);
      console.log(`  ${label.padEnd(44)}${pa.toFixed(3).padStart(7)}  ${pb.toFixed(3).padStart(7)}  ${(pb - pa >= 0 ? '+' : '') + (pb - pa).toFixed(3)}`);
    }
    console.log(`  relay CPU per request (ms)                  ${cpu[0].toFixed(3).padStart(7)}  ${cpu[1].toFixed(3).padStart(7)}`);
  }
  if (spawnSync('wrk', ['--version']).error === undefined) await throughput();
  console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  a.agent.destroy();
  b.agent.destroy();
  await a.stack.stop();
  await b.stack.stop();
}
