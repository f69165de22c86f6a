"use client";
import { useSyncExternalStore } from "react";

// The buyer's zone does not change while the page is open: nothing to subscribe to.
const subscribeToNothing = () => () => {};

/**
 * A time of day in the buyer's own zone. The server does not know that zone,
 * so the first render (and a browser without script) shows UTC.
 */
export function LocalTime({ iso }: { iso: string }) {
  const local = useSyncExternalStore(
    subscribeToNothing,
    () => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
    () => null,
  );
  const utc = new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return <time dateTime={iso}>{local ?? `${utc} UTC`}</time>;
}
