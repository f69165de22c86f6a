import { DEFAULT_HOLD_POLICY, getShopHoldPolicy, holdPolicySchema } from "@acme/platform-core";
import type { z } from "zod";
import { meets, requirePageOperator } from "@/lib/auth/guards";
import { getStores } from "@/lib/stores";
import { shopPath } from "@/app/cms/_lib/format";
import { HoldPolicyForm, type HoldPolicyRanges } from "@/components/hold-policy/hold-policy-form";

export const dynamic = "force-dynamic";

function rangeOf(schema: z.ZodNumber): { min: number; max: number } {
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/** The bounds the library enforces, read from its schema. */
const RANGES: HoldPolicyRanges = {
  maxActiveHoldsPerClient: rangeOf(holdPolicySchema.shape.maxActiveHoldsPerClient),
  maxHeldUnitsPerClient: rangeOf(holdPolicySchema.shape.maxHeldUnitsPerClient),
  unopenedHoldSeconds: rangeOf(holdPolicySchema.shape.unopenedHoldSeconds),
};

/**
 * A shop's settings: its hold policy (caps per client against denial of inventory). Everyone reads; admins change it.
 */
export default async function SettingsPage({ params }: { params: Promise<{ shop: string }> }) {
  const shopId = decodeURIComponent((await params).shop);
  const operator = await requirePageOperator({ shop: shopId, role: "viewer", next: shopPath(shopId, "/settings") });
  const policy = await getShopHoldPolicy({ shopId, store: getStores().holds });
  return (
    <>
      <div className="page-head">
        <h1>Settings · {shopId}</h1>
      </div>
      <HoldPolicyForm
        shopId={shopId}
        policy={policy}
        isDefault={policy.isDefault}
        defaults={DEFAULT_HOLD_POLICY}
        ranges={RANGES}
        canEdit={meets(operator, { role: "admin", shop: shopId })}
      />
    </>
  );
}
