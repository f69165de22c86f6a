import { getDatabase, type Database } from "../db/prisma-client.ts";
import { OPERATOR_SELECT, toOperator } from "./operator-records.ts";
import type { Operator } from "./types.ts";

/** The operator with this id, or undefined (sessions re-read it on every request, so revocations apply at once). */
export async function getOperator({
  id,
  database = getDatabase(),
}: {
  id: string;
  database?: Database;
}): Promise<Operator | undefined> {
  const row = await database.prisma.operator.findUnique({ where: { id }, select: OPERATOR_SELECT });
  return row ? toOperator(row) : undefined;
}
