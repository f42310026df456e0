// Resource benchmark of `airelays serve` against the fake upstream on loopback (see
// resource_bench.sh): cold start to the first /healthz 200, RSS idle, RSS and CPU per request
// under a 32-connection load, RSS with 256 concurrent open streams (the bench config raises
// `workers` and the per-IP caps), and `status --json` wall time. Prints a table with the
// targets of issues 8 and 18, and what the idle RSS is made of (per mapping, from smaps);
// exits 1 when a stream of the 256 did not complete. With BENCH_RESULTS=FILE, the rows of
// issue 18's target table are appended to FILE as JSON lines (see targets.sh).
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { binaries, chat, cpuSeconds, get, makeHome, median, rssKiB, sleep, startListening, startStack } from './lib/harness.mjs';
import { pssKinds, rssByKind, rssByMapping, rssKinds } from './lib/smaps.mjs';

const BENCH_TOML = '[server]\nworkers = 320\n[security]\nrate_limit_per_minute = 1000000\n' +
  'rate_limit_burst = 1000000\nconcurrent_requests_per_ip = 2000\n';
const rows = [];
const row = (what, value, target, ok) => rows.push({ what, value, target, ok });
const mb = (kib) => `${(kib / 1024).toFixed(1)} MB`;
function result(figure, value, target, ok) {
  if (process.env.BENCH_RESULTS) {
    appendFileSync(process.env.BENCH_RESULTS, JSON.stringify({ figure, value, target, ok, load: loadavg()[0].toFixed(2) }) + '\n');
  }
}

async function coldStart(bin, fakePort) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const h = makeHome(fakePort);
    const t0 = process.hrtime.bigint();
    const relay = await startListening([bin.airelays, 'serve', '--port', '0'], h.env);
    let r;
    do { r = await get(relay.port, '/healthz', 1000); } while (r.status !== 200);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    relay.child.removeAllListeners('exit');
    relay.child.kill('SIGKILL');
    h.cleanup();
  }
  return median(times);
}

async function load(port, pid, connections, seconds) {
  let count = 0;
  let errors = 0;
  let peak = 0;
  const cpu0 = cpuSeconds(pid);
  const end = Date.now() + seconds * 1000;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 100);
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) {
      const r = await chat(port, { stream: false });
      count++;
      if (!r.ok) errors++;
    }
  }));
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpu0;
  return { rps: count / seconds, errors, peak, cpuMsPerReq: (cpu * 1000) / Math.max(1, count) };
}

async function openStreams(stack, n) {
  const pid = stack.relay.child.pid;
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
  for (let i = 0; i < n; i++) {
    await fetch(`http://127.0.0.1:${stack.fake.port}/__fake/script`, { method: 'POST',
      body: JSON.stringify({ key: 'responses', step: { kind: 'text', text: words, delay_ms: 150 } }) });
  }
  const before = rssKiB(pid);
  const kindsBefore = rssByKind(pid);
  let kindsOpen = null; // by kind, 0.5 s after the last stream's first byte
  let peak = before;
  let started = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 50);
  const results = await Promise.all(Array.from({ length: n }, () =>
    chat(stack.relay.port, { stream: true, timeoutMs: 120000, onFirstByte: () => {
      if (++started === n) setTimeout(() => { kindsOpen = rssByKind(pid); }, 500);
    } })));
  clearInterval(sampler);
  const completed = results.filter((r) => r.ok).length;
  const failed = results.find((r) => !r.ok);
  if (failed) console.error(`a stream that did not complete: status ${failed.status}: ${failed.text.slice(-300)}`);
  const perStream = (k) => (kindsOpen ? ((kindsOpen[k] - kindsBefore[k]) / n).toFixed(1) : '?');
  const kinds = `stacks ${perStream('stacks')}, other anonymous (malloc arenas) ${perStream('anon')}, heap ${perStream('heap')}`;
  return { before, peak, completed, started, kinds };
}

function statusWall(bin, env) {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(bin.airelays, ['status', '--json'], { env });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`status --json failed: ${r.stderr}`);
  }
  return median(times);
}

let breakdown = [];

async function main() {
  const bin = binaries();
  const stack = await startStack({ extraToml: BENCH_TOML });
  try {
    const pid = stack.relay.child.pid;
    const cold = await coldStart(bin, stack.fake.port);
    row('cold start to first /healthz 200 (median of 5)', `${cold.toFixed(1)} ms`, '<= 15 ms', cold <= 15);
    result('cold start of `serve` to first `/healthz` 200', `${cold.toFixed(1)} ms`, '<= 15 ms', cold <= 15);
    await chat(stack.relay.port, { stream: false }); // first request warms the upstream session
    await sleep(1000);
    const idle = rssKiB(pid);
    const kinds = rssKinds(pid);
    const pss = pssKinds(pid);
    breakdown = rssByMapping(pid);
    row('RSS idle (after one request)', mb(idle), '<= 8 MB', idle <= 8 * 1024);
    row('  of which anonymous / file-backed', `${mb(kinds.anon)} / ${mb(kinds.file)}`, '', true);
    row('  PSS idle (shared pages split among their users)', `${mb(pss.pss)} (private ${mb(pss.privateKiB)})`, '', true);
    result('idle RSS after start and one request', `${mb(idle)} (anon ${mb(kinds.anon)}, files ${mb(kinds.file)}; PSS ${mb(pss.pss)})`, '<= 8 MB', idle <= 8 * 1024);
    const l = await load(stack.relay.port, pid, 32, 5);
    row('RSS under load (32 connections, non-stream, peak)', mb(l.peak), '', true);
    row('throughput at 32 connections (relay + fake + client on one box)', `${l.rps.toFixed(0)} req/s, ${l.errors} errors`, '', l.errors === 0);
    row('relay CPU per request (32 connections)', `${l.cpuMsPerReq.toFixed(2)} ms`, '', true);
    const s = await openStreams(stack, 256);
    const perStream = (s.peak - s.before) / 256;
    row('RSS with 256 concurrent streams (peak)', mb(s.peak), '<= 96 MB', s.peak <= 96 * 1024);
    row('RSS per open stream ((peak - before) / 256)', `${perStream.toFixed(0)} KiB`, '<= 32 KiB', perStream <= 32);
    row('  of which, per stream (KiB, smaps while all were open)', s.kinds, '', true);
    result('RSS per open stream', `${perStream.toFixed(0)} KiB (${s.kinds})`, '<= 32 KiB', perStream <= 32);
    row('256 concurrent streams completed', `${s.completed}/256`, '256/256', s.completed === 256);
    const st = statusWall(bin, stack.home.env);
    row('`status --json` wall time (median of 10, relay running)', `${st.toFixed(1)} ms`, '', true);
  } finally {
    stack.stop();
  }
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log(`${'measure'.padEnd(w)} | ${'value'.padEnd(26)} | target`);
  console.log(`${'-'.repeat(w)}-|-${'-'.repeat(26)}-|-------`);
  for (const r of rows) {
    console.log(`${r.what.padEnd(w)} | ${r.value.padEnd(26)} | ${r.target}${r.target && !r.ok ? '  (MISSED)' : ''}`);
  }
  const top = breakdown.slice(0, 12).map((m) => `${m.name} ${m.kib}`).join(', ');
  const rest = breakdown.slice(12).reduce((a, m) => a + m.kib, 0);
  console.log(`idle RSS by mapping (KiB): ${top}, ${breakdown.length - 12} more ${rest}`);
  console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const streamsOk = rows.find((r) => r.what.startsWith('256 concurrent streams completed')).ok;
  process.exit(streamsOk ? 0 : 1);
}

main().catch((e) => { console.error(`resource_bench: ${e.stack || e}`); process.exit(1); });
