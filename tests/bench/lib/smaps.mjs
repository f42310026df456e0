// What a process's resident memory is made of, from /proc/PID/smaps: RSS per mapped file
// (the binary, each shared library), the heap, the other anonymous mappings (malloc arenas of
// threads, thread stacks) and the main stack. Used by the resource bench to explain idle RSS.
import fs from 'node:fs';
import path from 'node:path';

// [{name, kib}] sorted by RSS, largest first; anonymous mappings are summed as "[anon]".
export function rssByMapping(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return [];
  }
  const sums = new Map();
  let name = null;
  for (const line of text.split('\n')) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      name = head[1] ? (head[1].startsWith('[') ? head[1] : path.basename(head[1])) : '[anon]';
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss && name) sums.set(name, (sums.get(name) ?? 0) + Number(rss[1]));
  }
  return [...sums].map(([n, kib]) => ({ name: n, kib })).filter((m) => m.kib > 0).sort((a, b) => b.kib - a.kib);
}

// RssAnon / RssFile from /proc/PID/status, in KiB.
export function rssKinds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k) => Number((s.match(new RegExp(`${k}:\\s+(\\d+) kB`)) ?? [0, -1])[1]);
    return { anon: get('RssAnon'), file: get('RssFile'), shmem: get('RssShmem'), threads: Number((s.match(/Threads:\s+(\d+)/) ?? [0, -1])[1]) };
  } catch {
    return { anon: -1, file: -1, shmem: -1, threads: -1 };
  }
}

// Resident KiB by kind from /proc/PID/smaps: thread stacks (an anonymous mapping right above a
// one-page guard, or holding a thread's stack pointer), the heap, the other anonymous memory
// (glibc's per-thread malloc arenas, mostly) and file-backed mappings.
export function rssByKind(pid) {
  const sps = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const f = fs.readFileSync(`/proc/${pid}/task/${t}/syscall`, 'utf8').trim().split(' ');
        if (f.length > 2) sps.push(BigInt(f[f.length - 2])); // "running" has no stack pointer
      } catch { /* the thread ended */ }
    }
  } catch { /* no such process */ }
  const out = { stacks: 0, heap: 0, anon: 0, file: 0 };
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return out;
  }
  let cur = null;
  let prev = null;
  const add = (m) => {
    if (!m) return;
    const guarded = prev && !prev.name && prev.perm.startsWith('---') && prev.hi === m.lo && prev.hi - prev.lo === 4096n;
    const holdsSp = sps.some((sp) => sp >= m.lo && sp < m.hi);
    if (m.name === '[heap]') out.heap += m.rss;
    else if (m.name) out.file += m.name.startsWith('[') ? 0 : m.rss;
    else if (m.perm.startsWith('rw') && (guarded || holdsSp)) out.stacks += m.rss;
    else out.anon += m.rss;
    prev = m;
  };
  for (const line of text.split('\n')) {
    const h = line.match(/^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/);
    if (h) {
      add(cur);
      cur = { lo: BigInt(`0x${h[1]}`), hi: BigInt(`0x${h[2]}`), perm: h[3], name: h[4], rss: 0 };
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss && cur) cur.rss = Number(rss[1]);
  }
  add(cur);
  return out;
}

// Proportional set size from /proc/PID/smaps_rollup, in KiB: each resident page divided by the
// number of processes mapping it. What the process really costs the machine when its libraries'
// pages are shared with other processes (RSS counts them whole in every one of them).
export function pssKinds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [0, -1])[1]);
    return { pss: get('Pss'), anon: get('Pss_Anon'), file: get('Pss_File'), privateKiB: get('Private_Clean') + get('Private_Dirty') };
  } catch {
    return { pss: -1, anon: -1, file: -1, privateKiB: -1 };
  }
}
