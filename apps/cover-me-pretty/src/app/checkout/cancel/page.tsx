export default function CheckoutCancelPage() {
  return (
    <>
      <h1>Checkout cancelled</h1>
      <div className="alert info" role="status">
        Nothing was charged. Your cart is still here; any units set aside for you are released when the checkout
        expires.
      </div>
      <a className="button" href="/cart">
        Back to cart
      </a>
    </>
  );
}
