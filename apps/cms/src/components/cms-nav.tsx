"use client";

import Link from "next/link";
import { useParams, usePathname, useRouter } from "next/navigation";

const SECTIONS = [
  { path: "/data/inventory", label: "Stock" },
  { path: "/data/import-export", label: "Import / export" },
  { path: "/low-stock", label: "Low stock" },
  { path: "/holds", label: "Holds" },
] as const;

/** Shop switcher and section links; the current shop comes from the URL. */
export function CmsNav({ shops }: { shops: string[] }) {
  const params = useParams<{ shop?: string }>();
  const pathname = usePathname();
  const router = useRouter();
  const shop = params.shop ? decodeURIComponent(params.shop) : undefined;
  const base = shop ? `/cms/shop/${encodeURIComponent(shop)}` : undefined;
  const section = base ? (SECTIONS.find((s) => pathname.startsWith(base + s.path))?.path ?? "/data/inventory") : "/data/inventory";

  return (
    <nav className="nav" aria-label="Main">
      <label className="shop-switcher">
        <span className="sr-only">Shop</span>
        <select
          aria-label="Shop"
          value={shop ?? ""}
          onChange={(event) => {
            const next = event.target.value;
            router.push(next ? `/cms/shop/${encodeURIComponent(next)}${section}` : "/cms");
          }}
        >
          <option value="">All my shops</option>
          {shops.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <Link href="/cms/dashboard" className={pathname.startsWith("/cms/dashboard") ? "nav-link active" : "nav-link"}>Dashboard</Link>
      {base &&
        SECTIONS.map((s) => {
          const href = base + s.path;
          const active = pathname === href || pathname.startsWith(href + "/");
          return (
            <Link key={s.path} href={href} className={active ? "nav-link active" : "nav-link"} aria-current={active ? "page" : undefined}>
              {s.label}
            </Link>
          );
        })}
    </nav>
  );
}
