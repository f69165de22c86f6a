/**
 * Ledger reasons an operator may give for a manual change of quantity.
 * `import` and `sale` are written by the importer and checkout only.
 */
export const EDIT_REASONS = ["edit", "correction", "restock", "return", "damage"] as const;
export type EditReason = (typeof EDIT_REASONS)[number];

export const EDIT_REASON_LABELS: Record<EditReason, string> = {
  edit: "Edit",
  correction: "Correction (count was wrong)",
  restock: "Restock (goods received)",
  return: "Return",
  damage: "Damaged / written off",
};

export const NOTE_MAX_LENGTH = 500;
