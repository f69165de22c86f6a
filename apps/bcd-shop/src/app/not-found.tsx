import Link from "next/link";

/** The shop's own 404: what happened, and a way back. */
export default function NotFound() {
  return (
    <section className="page-head">
      <p className="eyebrow">404</p>
      <h1>Nothing on this shelf.</h1>
      <p className="lede">The link may be old, or the item is no longer sold here.</p>
      <p className="actions">
        <Link className="button primary" href="/">
          See the goods
        </Link>
        <a className="button secondary" href="/cart">
          Your cart
        </a>
      </p>
    </section>
  );
}
