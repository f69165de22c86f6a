import { refId } from "../inventory/types.ts";
import { formatMinorAmount } from "./format-minor-amount.ts";
import { readRestockMetadata } from "./refund-metadata.ts";
import type {
  PaidCheckoutView,
  RefundFacts,
  ReturnLine,
  ReturnMapping,
  ReturnPolicy,
  StockReturnStatus,
  StockReturnView,
} from "./types.ts";

/** Most (variant, amount left) states the amount search visits before it calls the amount ambiguous. */
const SEARCH_BUDGET = 200_000;

export interface RefundDecision {
  status: StockReturnStatus;
  mapping: ReturnMapping;
  lines: ReturnLine[];
  note: string | null;
}

const lineKey = (line: { sku: string; variantKey: string; location: string }) =>
  `${line.sku}\u001f${line.variantKey}\u001f${line.location}`;

/**
 * Units of each of the checkout's lines (per location) that no other refund
 * has accounted for: a return whose units were decided claims its lines
 * whatever became of them; one whose units were not known claims only what an
 * operator restocked (as inventory_return_claims counts).
 */
export function unreturnedLines(checkout: PaidCheckoutView, others: StockReturnView[]): ReturnLine[] {
  const claimed = new Map<string, number>();
  for (const other of others) {
    const claims = ["metadata", "full", "amount"].includes(other.mapping) ? other.lines : other.restocked;
    for (const line of claims) claimed.set(lineKey(line), (claimed.get(lineKey(line)) ?? 0) + line.quantity);
  }
  return checkout.lines.map((line) => {
    const key = lineKey(line);
    const taken = Math.min(claimed.get(key) ?? 0, line.quantity);
    claimed.set(key, (claimed.get(key) ?? 0) - taken);
    return { sku: line.sku, variantKey: line.variantKey, location: line.location, quantity: line.quantity - taken };
  });
}

/** `quantity` units of a variant taken from its unreturned lines in the checkout's order (its locations). */
function takeUnits(unreturned: ReturnLine[], sku: string, variantKey: string, quantity: number): ReturnLine[] {
  const taken: ReturnLine[] = [];
  let left = quantity;
  for (const line of unreturned) {
    if (left === 0) break;
    if (line.sku !== sku || line.variantKey !== variantKey || line.quantity === 0) continue;
    const units = Math.min(left, line.quantity);
    taken.push({ ...line, quantity: units });
    left -= units;
  }
  return taken;
}

interface Variant {
  sku: string;
  variantKey: string;
  unitAmount: number | null;
  unreturned: number;
}

function variantsOf(checkout: PaidCheckoutView, unreturned: ReturnLine[]): Variant[] {
  const byId = new Map<string, Variant>();
  checkout.lines.forEach((line, index) => {
    const id = refId(line);
    const variant = byId.get(id) ?? {
      sku: line.sku,
      variantKey: line.variantKey,
      unitAmount: line.unitAmount,
      unreturned: 0,
    };
    if (variant.unitAmount !== line.unitAmount) variant.unitAmount = null;
    variant.unreturned += unreturned[index]!.quantity;
    byId.set(id, variant);
  });
  return [...byId.values()];
}

/**
 * The combinations of whole unreturned units whose unit amounts add up to
 * `amount`: 0, 1 (with it) or 2 (meaning two or more); `undefined` when the
 * search would take too long.
 */
export function matchAmount(
  variants: Array<{ unitAmount: number; unreturned: number }>,
  amount: number,
): { count: 0 | 1 | 2; counts?: number[] } | undefined {
  // Largest amount still reachable from variant i on, to prune early.
  const reachable: number[] = new Array<number>(variants.length + 1).fill(0);
  for (let i = variants.length - 1; i >= 0; i--)
    reachable[i] = reachable[i + 1]! + variants[i]!.unitAmount * variants[i]!.unreturned;
  const memo = new Map<string, 0 | 1 | 2>();
  let visited = 0;
  const solutions = (i: number, left: number): 0 | 1 | 2 => {
    if (left === 0 && i === variants.length) return 1;
    if (i === variants.length || left < 0 || left > reachable[i]!) return 0;
    const key = `${i}:${left}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (++visited > SEARCH_BUDGET) throw new RangeError("search budget");
    const { unitAmount, unreturned } = variants[i]!;
    let total = 0;
    for (let units = 0; units <= unreturned && total < 2; units++) {
      const rest = left - units * unitAmount;
      if (rest < 0) break;
      total += solutions(i + 1, rest);
    }
    const capped = Math.min(total, 2) as 0 | 1 | 2;
    memo.set(key, capped);
    return capped;
  };
  let count: 0 | 1 | 2;
  try {
    count = solutions(0, amount);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (count !== 1) return { count };
  // Walk the unique solution back out.
  const counts: number[] = [];
  let left = amount;
  for (let i = 0; i < variants.length; i++) {
    const { unitAmount, unreturned } = variants[i]!;
    for (let units = 0; units <= unreturned; units++) {
      if (solutions(i + 1, left - units * unitAmount) === 1) {
        counts.push(units);
        left -= units * unitAmount;
        break;
      }
    }
  }
  return { count, counts };
}

function finish(policy: ReturnPolicy, mapping: ReturnMapping, lines: ReturnLine[], notes: string[]): RefundDecision {
  const known = mapping === "metadata" || mapping === "full" || mapping === "amount";
  const units = lines.reduce((sum, line) => sum + line.quantity, 0);
  let status: StockReturnStatus;
  if (known && units === 0) {
    status = "not_restocked";
    notes.push(
      mapping === "metadata" ? "the refund names no units to return" : "no units of the checkout are left to return",
    );
  } else if (policy === "no_restock") status = "not_restocked";
  else if (!known) status = "pending";
  else status = policy === "restock" ? "restocked" : "pending";
  if (!known && policy === "restock") notes.push("left to an operator although the shop restocks refunds");
  return {
    status,
    mapping,
    lines: lines.filter((line) => line.quantity > 0),
    note: notes.length ? notes.join("; ") : null,
  };
}

/**
 * Which units a refund returns, and what becomes of them under the shop's
 * policy. In order: units the refund's metadata names (`acme_restock`, capped
 * by what is unreturned); everything unreturned when the refund, with the
 * checkout's earlier refunds, covers the whole amount paid; otherwise the one
 * combination of whole unreturned units whose unit amounts make the refund's
 * amount. None or several such combinations (or unit amounts that do not add
 * up to what was paid: discounts, shipping, tax) are not guessed: the return
 * waits for an operator, with the candidates as its lines and a note why.
 */
export function mapRefundToUnits(input: {
  checkout: PaidCheckoutView;
  /** The checkout's other returns (this refund's own, if any, left out). */
  others: StockReturnView[];
  refund: RefundFacts;
  policy: ReturnPolicy;
}): RefundDecision {
  const { checkout, others, refund, policy } = input;
  const money = (amount: number) => formatMinorAmount(amount, checkout.currency);
  const unreturned = unreturnedLines(checkout, others);
  const notes: string[] = [];

  const named = readRestockMetadata(refund.metadata);
  if (named.kind === "lines") {
    const lines: ReturnLine[] = [];
    const wanted = new Map<string, { sku: string; variantKey: string; quantity: number }>();
    for (const line of named.lines) {
      const id = refId(line);
      const entry = wanted.get(id);
      if (entry) entry.quantity += line.quantity;
      else wanted.set(id, { ...line });
    }
    for (const line of wanted.values()) {
      const available = unreturned
        .filter((u) => u.sku === line.sku && u.variantKey === line.variantKey)
        .reduce((sum, u) => sum + u.quantity, 0);
      if (available < line.quantity)
        notes.push(
          `${line.sku}${line.variantKey ? ` (${line.variantKey})` : ""}: ${line.quantity} named, ${available} left unreturned`,
        );
      lines.push(...takeUnits(unreturned, line.sku, line.variantKey, Math.min(line.quantity, available)));
    }
    return finish(policy, "metadata", lines, notes);
  }
  if (named.kind === "unreadable") notes.push(`refund metadata not used: ${named.reason}`);

  const refundedBefore = others.reduce((sum, other) => sum + other.amount, 0);
  if (refund.amount + refundedBefore >= checkout.amountTotal) {
    return finish(
      policy,
      "full",
      unreturned.map((line) => ({ ...line })),
      notes,
    );
  }

  const variants = variantsOf(checkout, unreturned);
  const candidates = unreturned.filter((line) => line.quantity > 0);
  const priced = checkout.lines.every((line) => line.unitAmount !== null);
  const listTotal = checkout.lines.reduce((sum, line) => sum + line.quantity * (line.unitAmount ?? 0), 0);
  if (!priced) {
    notes.push("the checkout's unit amounts are not known");
    return finish(policy, "ambiguous", candidates, notes);
  }
  if (listTotal !== checkout.amountTotal) {
    notes.push(
      `the unit amounts add up to ${money(listTotal)}, not the ${money(checkout.amountTotal)} paid (a discount, shipping or tax)`,
    );
    return finish(policy, "ambiguous", candidates, notes);
  }
  const open = variants.filter((variant) => variant.unreturned > 0);
  const match = matchAmount(
    open.map((variant) => ({ unitAmount: variant.unitAmount!, unreturned: variant.unreturned })),
    refund.amount,
  );
  if (match === undefined) {
    notes.push(`too many combinations of units to check against ${money(refund.amount)}`);
    return finish(policy, "ambiguous", candidates, notes);
  }
  if (match.count === 0) {
    notes.push(`no combination of whole unreturned units comes to ${money(refund.amount)}`);
    return finish(policy, "unmatched", candidates, notes);
  }
  if (match.count === 2) {
    notes.push(`several combinations of whole unreturned units come to ${money(refund.amount)}`);
    return finish(policy, "ambiguous", candidates, notes);
  }
  const lines = open.flatMap((variant, index) =>
    takeUnits(unreturned, variant.sku, variant.variantKey, match.counts![index]!),
  );
  return finish(policy, "amount", lines, notes);
}
