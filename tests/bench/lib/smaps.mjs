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
