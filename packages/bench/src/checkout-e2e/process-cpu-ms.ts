import { readFileSync } from "node:fs";

/** CPU time (user + system, ms) a process has used, from /proc (Linux); undefined elsewhere or once it has gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name: state is field 3, utime 14 and stime 15, in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
