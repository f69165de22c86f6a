"use client";
import { useSyncExternalStore } from "react";

// The buyer's zone does not change while the page is open: nothing to subscribe to.
const subscribeToNothing = () => () => {};

/** A time of day in the buyer's zone; the server cannot know it, so the first render says UTC. */
export function LocalTime({ iso }: { iso: string }) {
  const local = useSyncExternalStore(
    subscribeToNothing,
    () => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
    () => null,
  );
  return (
    <time dateTime={iso}>
      {local ??
        `${new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`}
    </time>
  );
}
