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
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full page load on purpose: the server must re-read the cleared session cookie
      window.location.assign("/login");
    }
  }

  return (
    <button type="button" className="button button-quiet" disabled={busy} onClick={() => void signOut()}>
      Sign out
    </button>
  );
}
