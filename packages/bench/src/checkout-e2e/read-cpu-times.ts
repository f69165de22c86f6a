import { readdirSync, readFileSync } from "node:fs";

// CPU times from /proc (Linux), in milliseconds; undefined elsewhere. Clock
// ticks are USER_HZ, 100 a second on every Linux architecture Node runs on.
const TICK_MS = 10;

/** The whole machine's CPU time so far, busy and in all (every core), to tell how busy it was over an interval. */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = fields[3]! + fields[4]!; // idle + iowait
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
  } catch {
    return undefined;
  }
}

/** Parent pid and CPU times of one process: its own, and its waited-for children's (cutime, cstime). */
function readStat(pid: number): { ppid: number; own: number; children: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return {
      ppid: Number(fields[1]),
      own: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      children: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process and its children: its own, its ended children's
 * (which the kernel adds to it once reaped) and its live children's. A server
 * that forks a process per connection (PostgreSQL) or a worker (`next start`)
 * is counted whole, short-lived children included.
 */
export function processTreeCpuMs(rootPid: number): number | undefined {
  const root = readStat(rootPid);
  if (!root) return undefined;
  let total = root.own + root.children;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return total;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === rootPid) total += stat.own;
  }
  return total;
}
