export default function CancelPage() {
  return (
    <section className="page-head status-page">
      <p className="eyebrow">Checkout</p>
      <h1>Checkout cancelled.</h1>
      <p className="lede">
        Nothing was charged. Your cart is still here; anything set aside for you goes back on the shelf when the
        checkout expires.
      </p>
      <p className="actions">
        <a className="button primary" href="/cart">
          Back to cart
        </a>
      </p>
    </section>
  );
}
