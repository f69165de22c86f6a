import type { ReactNode } from "react";
import Link from "next/link";
import { getOperatorSession } from "@/lib/auth/session";
import { CmsNav } from "@/components/cms-nav";
import { SignOutButton } from "@/components/sign-out-button";

export default async function CmsLayout({ children }: { children: ReactNode }) {
  // Each page checks access itself (and redirects to sign-in with its own
  // path as `next`); the layout only draws the shell for a signed-in operator.
  const operator = await getOperatorSession();
  if (!operator) return <>{children}</>;
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/cms" className="brand">
          Acme Inventory
        </Link>
        <CmsNav shops={operator.shops} admin={operator.role === "admin"} />
        <div className="whoami">
          <span className="whoami-email">{operator.email}</span>
          <span className={`role role-${operator.role}`}>{operator.role}</span>
          <SignOutButton />
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
