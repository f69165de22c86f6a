import Link from "next/link";
import { ClearCart } from "@/components/clear-cart.tsx";

export default async function CheckoutSuccessPage({
  searchParams,
}: {
  searchParams: Promise<{ session_id?: string }>;
}) {
  const { session_id: sessionId } = await searchParams;
  return (
    <>
      <ClearCart />
      <h1>Thank you!</h1>
      <div className="alert info" role="status">
        Your order is placed. Thank you!
        {sessionId ? <div className="muted reference">Reference: {sessionId}</div> : null}
      </div>
      <Link className="button" href="/">
        Keep shopping
      </Link>
    </>
  );
}
