// Bounded soak of the relay (see soak.sh): a steady rate of mixed streamed and non-streamed
// chat requests against `airelays serve` + the fake upstream for --seconds (default 600).
// Reports the errors (must be 0) and the relay's RSS drift between the first and the last
// fifth of the run after a warm-up (must stay within --max-drift, default 10%); exits 1 when
// either is violated.
import { chat, median, rssKiB, sleep, startStack } from './lib/harness.mjs';

function args() {
  const a = { seconds: 600, rate: 20, maxDrift: 0.10, streamShare: 0.5 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--seconds') { a.seconds = Number(v); i++; }
    else if (argv[i] === '--rate') { a.rate = Number(v); i++; }
    else if (argv[i] === '--max-drift') { a.maxDrift = Number(v); i++; }
    else { console.error(`usage: soak.sh [--seconds N] [--rate REQ_PER_S] [--max-drift FRACTION]`); process.exit(2); }
  }
  if (!(a.seconds >= 10) || !(a.rate > 0)) {
    console.error('soak: --seconds must be >= 10 and --rate > 0');
    process.exit(2);
  }
  return a;
}

async function main() {
  const opt = args();
  // The stored-responses cache (previous_response_id) is bounded by max_stored_responses; a
  // small bound lets it fill during the warm-up, so what is left is growth without a bound.
  const stack = await startStack({ extraToml: '[security]\nrate_limit_per_minute = 100000\nrate_limit_burst = 100000\n' +
    '[conversations]\nmax_stored_responses = 50\n' });
  const pid = stack.relay.child.pid;
  const port = stack.relay.port;
  const samples = []; // [t seconds, rss KiB]
  const errors = [];
  let sent = 0;
  let done = 0;
  const inflight = new Set();
  const t0 = Date.now();
  const sampler = setInterval(() => samples.push([(Date.now() - t0) / 1000, rssKiB(pid)]), 1000);
  const interval = 1000 / opt.rate;
  try {
    for (let next = t0; next < t0 + opt.seconds * 1000; next += interval) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      const stream = (sent % 2) === 0;
      sent++;
      const p = chat(port, { stream, text: `soak request ${sent}` }).then((r) => {
        done++;
        if (!r.ok) errors.push(`${stream ? 'stream' : 'json'} status=${r.status} ${r.text.slice(0, 200)}`);
        inflight.delete(p);
      });
      inflight.add(p);
    }
    await Promise.all([...inflight]);
  } finally {
    clearInterval(sampler);
    stack.stop();
  }
  const warm = Math.max(10, opt.seconds * 0.1);
  const steady = samples.filter(([t, r]) => t >= warm && r > 0);
  const fifth = Math.max(1, Math.floor(steady.length / 5));
  const startRss = median(steady.slice(0, fifth).map(([, r]) => r));
  const endRss = median(steady.slice(-fifth).map(([, r]) => r));
  const drift = (endRss - startRss) / startRss;
  const elapsed = (Date.now() - t0) / 1000;
  console.log(`soak: ${opt.seconds} s at ${opt.rate} req/s (half streamed)`);
  console.log(`  requests:  ${done} completed of ${sent} sent in ${elapsed.toFixed(1)} s`);
  console.log(`  errors:    ${errors.length}`);
  for (const e of errors.slice(0, 10)) console.log(`    ${e}`);
  console.log(`  relay RSS: ${(startRss / 1024).toFixed(1)} MB after warm-up -> ${(endRss / 1024).toFixed(1)} MB at the end ` +
    `(drift ${(drift * 100).toFixed(1)}%, limit ${(opt.maxDrift * 100).toFixed(0)}%)`);
  const failed = errors.length > 0 || !(drift <= opt.maxDrift) || done !== sent;
  console.log(failed ? 'soak: FAILED' : 'soak: passed');
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(`soak: ${e.stack || e}`); process.exit(1); });
