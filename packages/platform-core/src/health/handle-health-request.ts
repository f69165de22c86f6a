import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getMigrationStatus } from "../db/migrations.ts";

export interface HealthOptions {
  database?: Database;
  migrationsDir?: string;
  /** Give up on the database after this long (default 2,000 ms): a hung database is unhealthy, not slow. */
  timeoutMs?: number;
}

export interface HealthReport {
  status: "ok" | "unavailable";
  database: "reachable" | "unreachable";
  migrations: "current" | "pending" | "unknown";
  pending?: string[];
  checkedAt: string;
  durationMs: number;
}

/**
 * `GET /api/health` for workers and uptime checks: 200 when the database
 * answers and every migration is applied unchanged, else 503 saying which.
 * Names no host, user or error text (the endpoint is public).
 */
export async function handleHealthRequest(_request: Request, options: HealthOptions = {}): Promise<Response> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 2_000;
  const report: HealthReport = {
    status: "unavailable",
    database: "unreachable",
    migrations: "unknown",
    checkedAt: new Date().toISOString(),
    durationMs: 0,
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const database = options.database ?? getDatabase();
    const check = (async () => {
      await database.pool.query("SELECT 1");
      report.database = "reachable";
      const status = await getMigrationStatus({
        pool: database.pool,
        ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
      });
      report.migrations = status.current ? "current" : "pending";
      if (!status.current) report.pending = [...status.pending, ...status.failed, ...status.modified];
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("health check timed out")), timeoutMs);
    });
    await Promise.race([check, timeout]);
    check.catch(() => {});
  } catch {
    // Reported through the fields above.
  } finally {
    clearTimeout(timer);
  }
  if (report.database === "reachable" && report.migrations === "current") report.status = "ok";
  report.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return Response.json(report, {
    status: report.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
