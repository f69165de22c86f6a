"use client";

import { useState } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button button-quiet"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await csrfFetch("/api/auth/sign-out", { method: "POST" });
        } finally {
          window.location.assign("/login");
        }
      }}
    >
      Sign out
    </button>
  );
}
