import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/test-database.ts";
import { postgresErrorCode } from "./postgres-error-code.ts";
import { toInventoryError } from "./to-inventory-error.ts";

// Errors as the real driver stack produces them: Prisma's adapter wraps the
// SQLSTATE in its own P2010, and the classification must still see it.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
});
afterAll(() => db.destroy());

async function prismaFailure(sqlState: string) {
  return db.prisma.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '${sqlState}'; END $$`).then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe("postgresErrorCode", () => {
  it("finds the SQLSTATE behind Prisma's P2010 and behind pg", async () => {
    const viaPrisma = await prismaFailure("40P01");
    expect((viaPrisma as { code?: string }).code).toBe("P2010");
    expect(postgresErrorCode(viaPrisma)).toBe("40P01");
    const viaPg = await db.pool.query("SELECT 1/0").catch((error: unknown) => error);
    expect(postgresErrorCode(viaPg)).toBe("22012");
    expect(postgresErrorCode(new Error("plain"))).toBeUndefined();
  });

  it("classifies lock timeouts, deadlocks and overload as unavailable (503), other database errors as internal", async () => {
    for (const state of ["40P01", "40001", "55P03", "57014", "53300"]) {
      const error = toInventoryError(await prismaFailure(state));
      expect({ state, code: error.code, status: error.status }).toEqual({ state, code: "unavailable", status: 503 });
    }
    expect(toInventoryError(await prismaFailure("22012")).code).toBe("internal");
  });
});
