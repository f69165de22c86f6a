import { readFileSync } from "node:fs";

// CPU times from /proc (Linux), in milliseconds; undefined elsewhere. Clock
// ticks are USER_HZ, 100 a second on every Linux architecture Node runs on.
const TICK_MS = 10;

/** CPU time (user + system) a process has used; undefined once it has gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name: state is field 3, utime 14 and stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

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
