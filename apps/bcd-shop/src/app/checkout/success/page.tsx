import Link from "next/link";
import { ClearCart } from "@/components/clear-cart.tsx";

export const dynamic = "force-dynamic";

export default async function SuccessPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { session_id: sessionId } = await searchParams;
  return (
    <section className="page-head status-page status-ok">
      <ClearCart />
      <p className="eyebrow">Order placed</p>
      <h1>Thank you. It’s yours.</h1>
      <p className="lede">Payment received. Every order is packed by hand, from the same shelf you just bought from.</p>
      {typeof sessionId === "string" && sessionId ? (
        <p className="reference">
          <span className="fine">Reference</span> <span className="mono">{sessionId}</span>
        </p>
      ) : null}
      <p className="actions">
        <Link className="button primary" href="/">
          Back to the goods
        </Link>
      </p>
    </section>
  );
}
