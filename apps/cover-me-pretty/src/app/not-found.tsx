import Link from "next/link";

/** The shop's own 404: says what happened and offers a way back. */
export default function NotFound() {
  return (
    <section className="not-found">
      <h1>We couldn’t find that page</h1>
      <p className="muted">The link may be old, or the item is no longer in the shop.</p>
      <p>
        <Link className="button" href="/">
          Back to the shop
        </Link>{" "}
        <a className="button secondary" href="/cart">
          Your cart
        </a>
      </p>
    </section>
  );
}
