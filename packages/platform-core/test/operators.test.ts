import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InventoryError } from "../src/errors/inventory-error.ts";
import { authenticateOperator, createOperator, getOperator, operatorMay } from "../src/operators/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.destroy();
});

async function failure(promise: Promise<unknown>): Promise<InventoryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InventoryError);
  return error as InventoryError;
}

describe("operators", () => {
  it("stores only an argon2id hash and signs in case-insensitively", async () => {
    const operator = await createOperator({
      database: db,
      email: " Ada@Example.test ",
      password: "correct horse battery",
      role: "editor",
      shops: ["shop-b", "shop-a"],
    });
    expect(operator).toMatchObject({
      email: "ada@example.test",
      role: "editor",
      shops: ["shop-a", "shop-b"],
      disabled: false,
    });
    const { rows } = await db.pool.query<{ passwordHash: string }>(
      `SELECT "passwordHash" FROM "Operator" WHERE id = $1`,
      [operator.id],
    );
    expect(rows[0]?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(rows[0]?.passwordHash).not.toContain("correct horse");

    const signedIn = await authenticateOperator({
      database: db,
      email: "ADA@example.test",
      password: "correct horse battery",
    });
    expect(signedIn.id).toBe(operator.id);
    expect(await getOperator({ database: db, id: operator.id })).toEqual(signedIn);
  });

  it("refuses bad input with field errors and a taken email with conflict", async () => {
    const bad = await failure(
      createOperator({ database: db, email: "not-an-email", password: "short", role: "owner" as "admin" }),
    );
    expect(bad.code).toBe("validation_failed");
    const fields = (bad.details as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(["email", "password", "role"]);

    await createOperator({
      database: db,
      email: "taken@example.test",
      password: "a long enough password",
      role: "viewer",
    });
    const taken = await failure(
      createOperator({ database: db, email: "TAKEN@example.test", password: "another long password", role: "viewer" }),
    );
    expect(taken.code).toBe("conflict");
  });

  it("fails an unknown email, a wrong password and a disabled account the same way", async () => {
    const operator = await createOperator({
      database: db,
      email: "grace@example.test",
      password: "grace's long password",
      role: "viewer",
    });
    const unknown = await failure(
      authenticateOperator({ database: db, email: "nobody@example.test", password: "whatever password" }),
    );
    const wrong = await failure(
      authenticateOperator({ database: db, email: "grace@example.test", password: "not her password" }),
    );
    await db.pool.query(`UPDATE "Operator" SET "disabledAt" = now() WHERE id = $1`, [operator.id]);
    const disabled = await failure(
      authenticateOperator({ database: db, email: "grace@example.test", password: "grace's long password" }),
    );
    for (const error of [unknown, wrong, disabled]) {
      expect(error.code).toBe("unauthorized");
      expect(error.message).toBe("Email or password is incorrect.");
    }
  });

  it("throttles an email after five failures, doubling the wait, and refuses even the right password meanwhile", async () => {
    await createOperator({
      database: db,
      email: "linus@example.test",
      password: "linus's long password",
      role: "viewer",
    });
    const start = new Date("2026-11-24T10:00:00Z");
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await failure(
            authenticateOperator({
              database: db,
              email: "linus@example.test",
              password: "wrong password!",
              now: at(i),
            }),
          )
        ).code,
      ).toBe("unauthorized");
    }
    // The sixth failure blocks for 30 s.
    await failure(
      authenticateOperator({ database: db, email: "linus@example.test", password: "wrong password!", now: at(5) }),
    );
    const blocked = await failure(
      authenticateOperator({
        database: db,
        email: "linus@example.test",
        password: "linus's long password",
        now: at(10),
      }),
    );
    expect(blocked.code).toBe("rate_limited");
    expect(blocked.status).toBe(429);
    expect(blocked.details).toEqual({ retryAfterSeconds: 25 });
    // After the block, one more failure blocks for 60 s.
    await failure(
      authenticateOperator({ database: db, email: "linus@example.test", password: "wrong password!", now: at(36) }),
    );
    expect(
      (
        await failure(
          authenticateOperator({
            database: db,
            email: "linus@example.test",
            password: "linus's long password",
            now: at(90),
          }),
        )
      ).code,
    ).toBe("rate_limited");
    // Once the block lapses the right password works and clears the count.
    await expect(
      authenticateOperator({
        database: db,
        email: "linus@example.test",
        password: "linus's long password",
        now: at(97),
      }),
    ).resolves.toMatchObject({ email: "linus@example.test" });
    const { rows } = await db.pool.query(`SELECT 1 FROM "SignInThrottle" WHERE key = 'email:linus@example.test'`);
    expect(rows).toHaveLength(0);
  });

  it("tests no more passwords in a burst of concurrent attempts than one after another", async () => {
    await createOperator({
      database: db,
      email: "burst@example.test",
      password: "burst's long password",
      role: "viewer",
    });
    const now = new Date("2026-11-24T12:00:00Z");
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        authenticateOperator({ database: db, email: "burst@example.test", password: "a wrong guess!", now }).then(
          () => "signed in",
          (error: InventoryError) => error.code,
        ),
      ),
    );
    // Five free failures plus the one that starts the block reach the password check; the rest are refused unchecked.
    expect(outcomes.filter((o) => o === "unauthorized")).toHaveLength(6);
    expect(outcomes.filter((o) => o === "rate_limited")).toHaveLength(34);
  });

  it("gives a successful sign-in's reserved attempt back to its client address", async () => {
    await createOperator({
      database: db,
      email: "office@example.test",
      password: "office's long password",
      role: "viewer",
    });
    const now = new Date("2026-11-24T13:00:00Z");
    // More successful sign-ins from one address (an office behind one NAT) than the client allowance of failures.
    for (let i = 0; i < 25; i++) {
      await authenticateOperator({
        database: db,
        email: "office@example.test",
        password: "office's long password",
        clientKey: "198.51.100.20",
        now,
      });
    }
    const { rows } = await db.pool.query<{ failures: number }>(
      `SELECT failures FROM "SignInThrottle" WHERE key LIKE 'client:%' ORDER BY failures DESC`,
    );
    expect(rows.every((row) => row.failures === 0 || row.failures > 20)).toBe(true);
    expect(rows.some((row) => row.failures === 0)).toBe(true);
  });

  it("throttles one client address trying many emails", async () => {
    const now = new Date("2026-11-24T11:00:00Z");
    for (let i = 0; i < 21; i++) {
      await failure(
        authenticateOperator({
          database: db,
          email: `guess${i}@example.test`,
          password: "guessing pass",
          clientKey: "203.0.113.9",
          now,
        }),
      );
    }
    const blocked = await failure(
      authenticateOperator({
        database: db,
        email: "fresh@example.test",
        password: "guessing pass",
        clientKey: "203.0.113.9",
        now,
      }),
    );
    expect(blocked.code).toBe("rate_limited");
    // Another client is unaffected.
    expect(
      (
        await failure(
          authenticateOperator({
            database: db,
            email: "fresh@example.test",
            password: "guessing pass",
            clientKey: "198.51.100.7",
            now,
          }),
        )
      ).code,
    ).toBe("unauthorized");
  });

  it("interprets roles and shop grants in one place", () => {
    const viewer = { role: "viewer" as const, shops: ["a"], disabled: false };
    const editor = { role: "editor" as const, shops: ["a"], disabled: false };
    const admin = { role: "admin" as const, shops: [], disabled: false };
    expect([
      operatorMay(viewer, "read", "a"),
      operatorMay(viewer, "edit", "a"),
      operatorMay(viewer, "read", "b"),
    ]).toEqual([true, false, false]);
    expect([
      operatorMay(editor, "read", "a"),
      operatorMay(editor, "edit", "a"),
      operatorMay(editor, "edit", "b"),
    ]).toEqual([true, true, false]);
    expect([operatorMay(admin, "edit", "anything"), operatorMay({ ...admin, disabled: true }, "read", "a")]).toEqual([
      true,
      false,
    ]);
  });
});
