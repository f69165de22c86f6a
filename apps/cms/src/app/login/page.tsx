import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { getOperatorSession } from "@/lib/auth/session";
import { safeNextPath } from "@/lib/safe-next-path";

export const metadata: Metadata = { title: "Sign in · Acme Inventory" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const target = safeNextPath(typeof next === "string" ? next : undefined);
  if (await getOperatorSession()) redirect(target);
  return (
    <main className="sign-in">
      <h1>Acme Inventory</h1>
      <p>Sign in to manage stock.</p>
      <SignInForm next={target} />
    </main>
  );
}
