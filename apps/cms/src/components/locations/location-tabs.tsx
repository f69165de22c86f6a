import Link from "next/link";
import { shopPath } from "@/app/cms/_lib/format";

/** Locations and Transfers, two pages of one section. */
export function LocationTabs({ shopId, current }: { shopId: string; current: "locations" | "transfers" }) {
  const tabs = [
    { id: "locations", href: shopPath(shopId, "/locations"), label: "Locations" },
    { id: "transfers", href: shopPath(shopId, "/locations/transfers"), label: "Transfers" },
  ] as const;
  return (
    <nav className="tabs" aria-label="Locations section">
      {tabs.map((tab) => (
        <Link
          key={tab.id}
          href={tab.href}
          className={tab.id === current ? "tab active" : "tab"}
          aria-current={tab.id === current ? "page" : undefined}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
