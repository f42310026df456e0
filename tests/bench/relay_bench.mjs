// Relay benchmark: the same work sent through airelays and straight to the C++ fake backend,
// side by side in one run, so the figures are ratios taken under the same load. Prints:
// sequential non-stream latency (p50/p90/p99) and the relay's addition; time to first byte of
// streams (stream vs stream); per-event forwarding (a stream whose events the fake spaces
// 20 ms apart: the gaps the client sees, relay vs direct); throughput at 8/32/128
// connections; and the relay's CPU time per request beside each figure (from /proc), which
// stays meaningful when relay, fake and load generator share the cores.
// Throughput uses wrk when it is installed (a C load generator that leaves the cores to the
// relay), else this process. Last, 256 concurrent streams of 100 events 20 ms apart, direct
// and through the relay, against the ideal of 2 s.
// With BENCH_RESULTS=FILE, the rows of issue 18's target table are appended to FILE as JSON
// lines (tests/bench/targets.sh prints them all together).
// Usage: AIRELAYS_BIN=build/airelays FAKE_UPSTREAM_BIN=build/tests/fake_upstream \
//        node tests/bench/relay_bench.mjs [requests=400] [seconds=5]
// RELAY_BENCH_ONLY=streams runs the many-streams row alone (~15 s).
import http from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, RELAY_TOKEN, loginRecord } from '../e2e/js/helpers.mjs';

const N = Number(process.argv[2] ?? 400);
const SECONDS = Number(process.argv[3] ?? 5);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

// One request; resolves {ttfb, total, gaps} in ms after reading the whole body (gaps: times
// between successive chunks).
function request(url, headers, body, via = agent) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent: via, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let ttfb = null;
      let last = null;
      const gaps = [];
      res.on('data', () => {
        const now = Number(process.hrtime.bigint() - t0) / 1e6;
        if (ttfb === null) ttfb = now;
        if (last !== null) gaps.push(now - last);
        last = now;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        resolve({ ttfb, total: Number(process.hrtime.bigint() - t0) / 1e6, gaps });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

// A difference with its sign: "+0.123" or "-0.045".
const signed = (x, digits = 3) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const cpuMs = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

// One row of the target table (issue 18) for tests/bench/targets.sh.
function result(figure, value, target, ok) {
  if (process.env.BENCH_RESULTS) {
    appendFileSync(process.env.BENCH_RESULTS, JSON.stringify({ figure, value, target, ok, load: loadavg()[0].toFixed(2) }) + '\n');
  }
}

// 256 streams at once, each 100 events the fake spaces 20 ms apart (92 text deltas and the 8
// events around them): the time until the last one ended, against the ideal 100 * 20 ms.
const k_streams = 256;
const k_stream_events = 100;
const k_stream_words = Array.from({ length: k_stream_events - 8 }, (_, i) => `w${i}`).join(' ');
async function manyStreams(stack, t) {
  // A fresh connection per step (fetch's pooled one may have been closed by the fake while idle).
  const post = (url, body) => new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
  for (let i = 0; i < k_streams; i++) {
    await post(`${stack.fake.url}/__fake/script`, JSON.stringify({ key: 'responses', step: { kind: 'text', text: k_stream_words, delay_ms: 20 } }));
  }
  // Connections of their own, closed afterwards: idle keep-alive connections would hold
  // threads of the fake (and of the relay) that the next run needs.
  const own = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const t0 = process.hrtime.bigint();
  const results = await Promise.allSettled(Array.from({ length: k_streams }, () => request(t.url, t.headers, t.body, own)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  own.destroy();
  // Where the time over the ideal went: the last stream to start (its first byte, which the
  // fake sends after one pause) and the longest stream from its first byte to its end.
  const done = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const lastStart = Math.max(...done.map((x) => x.ttfb));
  const longest = Math.max(...done.map((x) => x.total - x.ttfb));
  return { ms, ok: done.length, lastStart, longest };
}

// Requests per second at `conns` connections for `seconds`.
async function load(t, conns) {
  if (hasWrk) {
    const dir = mkdtempSync(join(tmpdir(), 'airelays-wrk-'));
    const lua = join(dir, 'post.lua');
    const hdrs = Object.entries({ 'Content-Type': 'application/json', ...t.headers })
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n');
    writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(t.body))}\n${hdrs}\n`);
    const out = execFileSync('wrk', ['-t1', `-c${conns}`, `-d${SECONDS}s`, '-s', lua, t.url], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`wrk saw errors:\n${out}`);
    return Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  }
  let done = 0; const end = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: conns }, async () => { while (Date.now() < end) { await request(t.url, t.headers, t.body); done++; } }));
  return done / SECONDS;
}

// 256 streams direct, then through the relay: the table's row and issue 18's result.
async function manyStreamsRow(stack, direct, relayResponses) {
  const ideal = k_stream_events * 20;
  const dMany = await manyStreams(stack, direct);
  const rMany = await manyStreams(stack, relayResponses);
  const over = (ms) => `${ms >= ideal ? '+' : ''}${((ms / ideal - 1) * 100).toFixed(1)} %`;
  return {
    row: [`${k_streams} streams of ${k_stream_events} events 20 ms apart (ms)`, dMany.ms.toFixed(0), rMany.ms.toFixed(0),
      `ideal ${ideal}; relay ${over(rMany.ms)}, direct ${over(dMany.ms)}; ${rMany.ok}/${k_streams} completed (direct ${dMany.ok}); ` +
      `last first byte at ${rMany.lastStart.toFixed(0)} ms (direct ${dMany.lastStart.toFixed(0)}), ` +
      `longest first-to-last byte ${rMany.longest.toFixed(0)} ms (direct ${dMany.longest.toFixed(0)}; ideal ${ideal - 20})`],
    result: [`${k_streams} concurrent streams (${k_stream_events} events 20 ms apart)`,
      `${rMany.ok}/${k_streams} at ${over(rMany.ms)} (direct ${over(dMany.ms)})`,
      `${k_streams} within 3 % of ideal`, rMany.ok === k_streams && rMany.ms <= ideal * 1.03],
  };
}

// Everything but the warm-up: latency, first byte, event gaps, throughput, many streams.
async function fullBench(stack, pid, direct, relay, relayStream, relayResponses) {
  const seq = async (t, n = N) => { const xs = []; for (let i = 0; i < n; i++) xs.push(await request(t.url, t.headers, t.body)); return xs; };
  const measured = async (t, n = N) => { const c0 = cpuMs(pid); const xs = await seq(t, n); return { xs, cpu: (cpuMs(pid) - c0) / n }; };
  const d = await seq(direct);
  const r = await measured(relay);
  const rs = await measured(relayStream);

  // Per-event forwarding: the fake pauses 20 ms before each event of the next stream.
  const script = (n) => Promise.all(Array.from({ length: n }, () => fetch(`${stack.fake.url}/__fake/script`, { method: 'POST', body: JSON.stringify({ key: 'responses', step: { kind: 'text', delay_ms: 20 } }) })));
  const spaced = async (t) => { const gaps = []; for (let i = 0; i < 5; i++) { await script(1); gaps.push(...(await request(t.url, t.headers, t.body)).gaps.filter((g) => g > 5)); } return gaps; };
  const dGaps = await spaced(direct);
  const rGaps = await spaced(relayResponses);

  const lat = (xs, p) => pct(xs.map((x) => x.total), p);
  const rows = [];
  const row = (name, a, b, extra = '') => rows.push([name, a, b, extra]);
  for (const [p, label] of [[0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99']]) {
    row(`non-stream chat ${label} (ms)`, lat(d, p).toFixed(3), lat(r.xs, p).toFixed(3), `${signed(lat(r.xs, p) - lat(d, p))} ms`);
  }
  row('  relay CPU per request (ms)', '', r.cpu.toFixed(3));
  const ttfbD = pct(d.map((x) => x.ttfb), 0.5); const ttfbR = pct(rs.xs.map((x) => x.ttfb), 0.5);
  row('stream time to first byte p50 (ms)', ttfbD.toFixed(3), ttfbR.toFixed(3), `${signed(ttfbR - ttfbD)} ms`);
  row('  relay CPU per request (ms)', '', rs.cpu.toFixed(3));
  row('event gap, fake spaces 20 ms: p50 (ms)', pct(dGaps, 0.5).toFixed(2), pct(rGaps, 0.5).toFixed(2), `${signed(pct(rGaps, 0.5) - pct(dGaps, 0.5), 2)} ms`);
  row('event gap, fake spaces 20 ms: max (ms)', Math.max(...dGaps).toFixed(2), Math.max(...rGaps).toFixed(2), '');
  for (const conns of [8, 32, 128]) {
    const dRate = await load(direct, conns);
    const c0 = cpuMs(pid);
    const rRate = await load(relay, conns);
    const cpu = (cpuMs(pid) - c0) / (rRate * SECONDS);
    row(`throughput at ${conns} connections (req/s)`, dRate.toFixed(0), rRate.toFixed(0), `relay CPU ${cpu.toFixed(3)} ms/req`);
  }

  const many = await manyStreamsRow(stack, direct, relayResponses);
  row(...many.row);

  const added = (p) => lat(r.xs, p) - lat(d, p);
  result('added latency, non-stream chat, p50 / p99', `${signed(added(0.5))} / ${signed(added(0.99))} ms`, '<= 0.15 / 0.3 ms',
    added(0.5) <= 0.15 && added(0.99) <= 0.3);
  const cpu32 = rows.find(([name]) => name.startsWith('throughput at 32 '))[3].match(/([\d.]+) ms/)[1];
  result('relay CPU per non-stream request at 32 connections', `${cpu32} ms`, '<= 0.06 ms', Number(cpu32) <= 0.06);
  result('added time to the first streamed byte', `${signed(ttfbR - ttfbD)} ms`, '<= 0.15 ms', ttfbR - ttfbD <= 0.15);
  result(...many.result);

  console.log(`relay bench: ${N} sequential requests each way; ${SECONDS} s per throughput run (${hasWrk ? 'wrk' : 'node client'}); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${''.padEnd(42)}${'direct'.padStart(12)}${'relay'.padStart(12)}   added / note`);
  for (const [name, a, b, extra] of rows) console.log(`${name.padEnd(42)}${a.padStart(12)}${b.padStart(12)}   ${extra}`);
}

// The fake serves a thread per keep-alive connection: enough for 128 clients plus the relay's.
const stack = await startStack({ fakeThreads: 400, fakeLogLimit: 1000, extraConfig: '[server]\nworkers = 320\n[security]\nrate_limit_per_minute = 100000000\nrate_limit_burst = 100000000\nconcurrent_requests_per_ip = 1000\n' });
try {
  const pid = stack.relay.child.pid;
  const upstreamBody = { model: 'gpt-5.5', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], instructions: '.', stream: true, store: false, tools: [] };
  const direct = { url: `${stack.fake.url}/backend-api/codex/responses`, headers: { authorization: `Bearer ${loginRecord().tokens.access_token}`, 'chatgpt-account-id': 'acct' }, body: upstreamBody };
  const relay = { url: `${stack.baseURL}/chat/completions`, headers: { authorization: `Bearer ${RELAY_TOKEN}` },
    body: { model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] } };
  const relayStream = { ...relay, body: { ...relay.body, stream: true } };
  const relayResponses = { url: `${stack.baseURL}/responses`, headers: relay.headers, body: { ...upstreamBody, stream: true } };
  for (let i = 0; i < 50; i++) { await request(direct.url, direct.headers, direct.body); await request(relay.url, relay.headers, relay.body); }

  if (process.env.RELAY_BENCH_ONLY === 'streams') {
    // The many-streams row alone (RELAY_BENCH_ONLY=streams), e.g. to compare two fakes or relays.
    const many = await manyStreamsRow(stack, direct, relayResponses);
    console.log(`relay bench, many streams only; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`${many.row[0]}: direct ${many.row[1]}, relay ${many.row[2]}; ${many.row[3]}`);
  } else {
    await fullBench(stack, pid, direct, relay, relayStream, relayResponses);
  }
} finally {
  agent.destroy();
  await stack.stop();
}
