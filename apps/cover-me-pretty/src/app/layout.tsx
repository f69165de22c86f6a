import type { ReactNode } from "react";
import { cartUnits } from "@acme/platform-core/universal";
import Link from "next/link";
import { readCart } from "@/cart/read-cart.ts";
import "./globals.css";

export const metadata = { title: "Cover Me Pretty", description: "Clothes from live stock." };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const units = cartUnits(await readCart());
  return (
    <html lang="en">
      <body>
        <header className="site">
          <Link className="brand" href="/">
            Cover Me Pretty
          </Link>
          <nav>
            <a
              href="/cart"
              aria-label={units ? `Cart, ${units} ${units === 1 ? "item" : "items"}` : "Cart, empty"}
              data-cart-units={units}
            >
              Cart{units ? <span className="count">{units}</span> : null}
            </a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
