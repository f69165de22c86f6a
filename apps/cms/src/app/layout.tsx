import type { Metadata } from "next";
import type { ReactNode } from "react";
import { getOperatorSession } from "@/lib/auth/session";
import "./globals.css";

export const metadata: Metadata = { title: "Acme Inventory", robots: { index: false, follow: false } };

// Every page depends on who is signed in.
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const operator = await getOperatorSession();
  return (
    <html lang="en">
      <head>{operator ? <meta name="csrf-token" content={operator.csrfToken} /> : null}</head>
      <body>{children}</body>
    </html>
  );
}
