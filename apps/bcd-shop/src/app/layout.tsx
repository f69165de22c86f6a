import { cartUnits } from "@acme/platform-core/universal";
import type { ReactNode } from "react";
import Link from "next/link";
import { readCart } from "@/cart/read-cart.ts";
import "./globals.css";

export const metadata = { title: "BCD Field Supply", description: "Camp goods in small runs, sold from live stock." };

export const viewport = { width: "device-width", initialScale: 1, themeColor: "#12140f" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const units = cartUnits(await readCart());
  return (
    <html lang="en">
      <body>
        <header className="masthead">
          <Link className="logo" href="/" aria-label="BCD Field Supply, home">
            <span className="logo-mark">BCD</span>
            <span className="logo-name">Field Supply</span>
          </Link>
          <nav>
            <Link href="/">Goods</Link>
            <a
              className="cart-link"
              href="/cart"
              aria-label={units ? `Cart, ${units} ${units === 1 ? "item" : "items"}` : "Cart, empty"}
              data-cart-units={units}
            >
              Cart <span className="cart-count">{units}</span>
            </a>
          </nav>
        </header>
        <main>{children}</main>
        <footer className="colophon">
          <span>BCD Field Supply</span>
          <span>Small runs. Counted stock. No back orders.</span>
        </footer>
      </body>
    </html>
  );
}
