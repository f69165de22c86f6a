"use client";

import { useState } from "react";
import styles from "./webhooks.module.css";

/** A signing secret shown this once, with a copy button. */
export function SecretOnce({ intro, secret }: { intro: string; secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="success-box" role="status">
      <p>
        {intro} Copy the signing secret now: it is shown this once and cannot be shown again (rotate it if it is lost).
      </p>
      <code className={styles.secret} data-testid="webhook-secret">
        {secret}
      </code>
      <button
        type="button"
        className="button button-small"
        onClick={() =>
          void navigator.clipboard.writeText(secret).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? "Copied" : "Copy secret"}
      </button>
    </div>
  );
}
