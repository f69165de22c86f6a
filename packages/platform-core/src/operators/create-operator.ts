import { randomUUID } from "node:crypto";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { InventoryError } from "../errors/inventory-error.ts";
import { postgresErrorCode } from "../errors/postgres-error-code.ts";
import { parseCreateOperator, type CreateOperatorInput } from "./operator-inputs.ts";
import { OPERATOR_SELECT, toOperator } from "./operator-records.ts";
import { hashPassword } from "./password.ts";
import type { Operator } from "./types.ts";

export interface CreateOperatorOptions extends CreateOperatorInput {
  database?: Database;
}

/** Creates a CMS operator. A taken email is a `conflict`; bad input a `validation_failed`. */
export async function createOperator({ database = getDatabase(), ...input }: CreateOperatorOptions): Promise<Operator> {
  const parsed = parseCreateOperator(input);
  const passwordHash = await hashPassword(parsed.password);
  try {
    const row = await database.prisma.operator.create({
      data: {
        id: randomUUID(),
        email: parsed.email,
        name: parsed.name ?? parsed.email,
        passwordHash,
        role: parsed.role,
        shops: [...new Set(parsed.shops)],
      },
      select: OPERATOR_SELECT,
    });
    return toOperator(row);
  } catch (error) {
    if (postgresErrorCode(error) === "23505" || (error as { code?: string }).code === "P2002") {
      throw new InventoryError("conflict", `An operator with email ${parsed.email} already exists`, {
        details: { errors: [{ field: "email", message: "already taken" }] },
      });
    }
    throw error;
  }
}
