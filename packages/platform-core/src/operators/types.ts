/** What an operator may do: read stock, change it, or both in every shop. */
export const OPERATOR_ROLES = ["viewer", "editor", "admin"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** An operator as the rest of the system sees one: never with the password hash. */
export interface Operator {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  /** Shop ids granted; admins may act in every shop whatever this says. */
  shops: string[];
  disabled: boolean;
  /** Sessions signed in before this time are revoked (the operator signed out); null: none. */
  sessionsValidFrom: Date | null;
}

export type OperatorAction = "read" | "edit";

/** Whether `operator` may perform `action` in `shopId`. The one place roles are interpreted. */
export function operatorMay(
  operator: Pick<Operator, "role" | "shops" | "disabled">,
  action: OperatorAction,
  shopId: string,
): boolean {
  if (operator.disabled) return false;
  if (operator.role === "admin") return true;
  if (!operator.shops.includes(shopId)) return false;
  return action === "read" || operator.role === "editor";
}
