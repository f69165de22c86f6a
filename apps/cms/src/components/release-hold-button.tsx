"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { csrfFetch } from "@/lib/csrf-fetch";
import { ConfirmReleaseButton } from "./confirm-release-button";

/** Releases an active hold after confirmation; the list then reloads from the server. */
export function ReleaseHoldButton({ shopId, holdId, canEdit }: { shopId: string; holdId: string; canEdit: boolean }) {
  const router = useRouter();
  const [, startTransition] = useTransition();
  return (
    <ConfirmReleaseButton
      label="Release"
      question="Give these units back?"
      canEdit={canEdit}
      send={() =>
        csrfFetch(`/api/shops/${encodeURIComponent(shopId)}/holds/${encodeURIComponent(holdId)}/release`, {
          method: "POST",
        })
      }
      onReleased={() => startTransition(() => router.refresh())}
    />
  );
}
