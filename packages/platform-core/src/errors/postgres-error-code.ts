/**
 * The PostgreSQL SQLSTATE behind an error, wherever the driver stack put it:
 * pg's `code`, or, behind Prisma's driver adapter (which reports its own
 * `P2010`), `meta.driverAdapterError.cause.originalCode`. Prisma's `P....`
 * codes are never mistaken for SQLSTATEs (though `P0001` is a real one, raised
 * by PL/pgSQL, so it is only accepted from the database's own fields).
 */
export function postgresErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && typeof current === "object" && depth < 8; depth++) {
    const record = current as {
      code?: unknown;
      originalCode?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; code?: unknown } } };
      name?: unknown;
    };
    const adapterCause = record.meta?.driverAdapterError?.cause;
    for (const code of [adapterCause?.originalCode, record.originalCode]) {
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    }
    // pg's DatabaseError carries the SQLSTATE in `code`; Prisma's own errors carry P-codes there.
    if (typeof record.code === "string" && /^[0-9A-Z]{5}$/.test(record.code) && !/^P[0-9]{4}$/.test(record.code)) {
      return record.code;
    }
    if (typeof record.code === "string" && /^P0\d{3}$/.test(record.code) && record.name === "DatabaseError")
      return record.code;
    current = record.cause ?? adapterCause;
  }
  return undefined;
}
