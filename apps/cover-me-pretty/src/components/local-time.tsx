"use client";
import { useEffect, useState } from "react";

/**
 * A time of day in the buyer's own zone. The server does not know that zone,
 * so the first render (and a browser without script) shows UTC.
 */
export function LocalTime({ iso }: { iso: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => setLocal(new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })), [iso]);
  const utc = new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return <time dateTime={iso}>{local ?? `${utc} UTC`}</time>;
}
