import type { Operator, OperatorRole } from "./types.ts";

export interface OperatorRow {
  id: string;
  email: string;
  name: string;
  role: string;
  shops: string[];
  disabledAt: Date | null;
  sessionsValidFrom: Date | null;
}

export function toOperator(row: OperatorRow): Operator {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as OperatorRole,
    shops: [...row.shops].sort(),
    disabled: row.disabledAt !== null,
    sessionsValidFrom: row.sessionsValidFrom,
  };
}

export const OPERATOR_SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  shops: true,
  disabledAt: true,
  sessionsValidFrom: true,
} as const;
