import type { ReactNode } from "react";
import "./globals.css";

export const metadata = { title: "Cover Me Pretty", description: "Clothes from live stock." };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site">
          <a className="brand" href="/">
            Cover Me Pretty
          </a>
          <nav>
            <a href="/cart">Cart</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
