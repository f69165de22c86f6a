"use client";
import { useEffect, useState } from "react";

/** A time of day in the buyer's zone; the server cannot know it, so the first render says UTC. */
export function LocalTime({ iso }: { iso: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => setLocal(new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })), [iso]);
  return <time dateTime={iso}>{local ?? `${new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" })} UTC`}</time>;
}
