"use client";

import { useState } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";

export function SignOutButton() {
  const [busy, setBusy] = useState(false);

  async function signOut() {
    setBusy(true);
    try {
      await csrfFetch("/api/auth/sign-out", { method: "POST" });
    } finally {
      // A full page load on purpose, not a client navigation: the server must re-read the cleared session cookie.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load, as said above
      window.location.assign("/login");
    }
  }

  return (
    <button type="button" className="button button-quiet" disabled={busy} onClick={() => void signOut()}>
      Sign out
    </button>
  );
}
