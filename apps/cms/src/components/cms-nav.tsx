"use client";

import Link from "next/link";
import { useParams, usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useSyncExternalStore } from "react";

const LAST_SHOP_KEY = "acme-cms:last-shop";

// Only this nav writes the key, and it re-renders on every navigation, so reading it each render is enough: nothing to
// subscribe to.
const subscribeToNothing = () => () => {};
const readLastShop = () => window.localStorage.getItem(LAST_SHOP_KEY) ?? undefined;
const noLastShopOnServer = () => undefined;

const SECTIONS = [
  { path: "/data/inventory", label: "Stock" },
  { path: "/locations", label: "Locations" },
  { path: "/data/import-export", label: "Import / export" },
  { path: "/low-stock", label: "Low stock" },
  { path: "/holds", label: "Holds" },
  { path: "/returns", label: "Returns" },
  { path: "/settings", label: "Settings" },
] as const;

/** Pages about the systems around the shops, not one shop: admins only. */
const ADMIN_PAGES = [
  { href: "/cms/integrations", label: "Integrations" },
  { href: "/cms/webhooks", label: "Webhooks" },
] as const;

/** Shop switcher and section links; the current shop comes from the URL. */
export function CmsNav({ shops, admin = false }: { shops: string[]; admin?: boolean }) {
  const params = useParams<{ shop?: string }>();
  const pathname = usePathname();
  const router = useRouter();
  const search = useSearchParams();
  const shopInUrl = params.shop ? decodeURIComponent(params.shop) : undefined;
  // Off a shop's pages (the dashboard), the section links stay, for the dashboard's
  // shop filter, else the shop last visited, else the operator's only shop.
  const lastShop = useSyncExternalStore(subscribeToNothing, readLastShop, noLastShopOnServer);
  useEffect(() => {
    if (shopInUrl) window.localStorage.setItem(LAST_SHOP_KEY, shopInUrl);
  }, [shopInUrl]);
  // On a phone the links are one row that scrolls sideways: bring the current page's link into view, else the pages
  // at the end of the row (Webhooks, say) are open with no visible sign of where the operator is.
  const navRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const nav = navRef.current;
    const active = nav?.querySelector<HTMLElement>(".nav-link.active");
    if (!nav || !active || nav.scrollWidth <= nav.clientWidth) return;
    const left = active.offsetLeft - nav.offsetLeft;
    if (left < nav.scrollLeft || left + active.offsetWidth > nav.scrollLeft + nav.clientWidth)
      nav.scrollLeft = left - (nav.clientWidth - active.offsetWidth) / 2;
  }, [pathname]);
  const fallback = [search.get("shop") ?? undefined, lastShop, shops.length === 1 ? shops[0] : undefined].find(
    (id) => id !== undefined && shops.includes(id),
  );
  const linkShop = shopInUrl ?? fallback;
  const base = linkShop ? `/cms/shop/${encodeURIComponent(linkShop)}` : undefined;
  const section = base
    ? (SECTIONS.find((s) => pathname.startsWith(base + s.path))?.path ?? "/data/inventory")
    : "/data/inventory";

  return (
    <nav className="nav" aria-label="Main" ref={navRef}>
      <label className="shop-switcher">
        <span className="sr-only">Shop</span>
        <select
          aria-label="Shop"
          value={shopInUrl ?? ""}
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
      <Link href="/cms/dashboard" className={pathname.startsWith("/cms/dashboard") ? "nav-link active" : "nav-link"}>
        Dashboard
      </Link>
      {base &&
        SECTIONS.map((s) => {
          const href = base + s.path;
          const active = pathname === href || pathname.startsWith(href + "/");
          return (
            <Link
              key={s.path}
              href={href}
              className={active ? "nav-link active" : "nav-link"}
              aria-current={active ? "page" : undefined}
            >
              {s.label}
            </Link>
          );
        })}
      {admin && <span className="nav-divider" aria-hidden="true" />}
      {admin &&
        ADMIN_PAGES.map((page) => {
          const active = pathname === page.href || pathname.startsWith(page.href + "/");
          return (
            <Link
              key={page.href}
              href={page.href}
              className={active ? "nav-link active" : "nav-link"}
              aria-current={active ? "page" : undefined}
            >
              {page.label}
            </Link>
          );
        })}
    </nav>
  );
}
