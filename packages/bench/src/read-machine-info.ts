import os from "node:os";
import type { Database } from "@acme/platform-core";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  poolSize: number;
}

export async function readMachineInfo(db: Database, poolSize: number): Promise<MachineInfo> {
  const { rows } = await db.pool.query<{ version: string }>("SELECT version()");
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: rows[0]?.version ?? "unknown",
    poolSize,
  };
}
