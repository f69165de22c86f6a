import { cloneElement, type ReactElement } from "react";
import styles from "./locations.module.css";

type Control = ReactElement<{ "aria-invalid"?: boolean; "aria-describedby"?: string; className?: string }>;

/** A labelled input with its error, and its help, under it; the input is told both (aria-describedby). */
export function Field({
  id,
  label,
  error,
  help,
  grow,
  narrow,
  className,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  help?: string;
  grow?: boolean;
  narrow?: boolean;
  className?: string;
  children: Control;
}) {
  const described = [error ? `${id}-error` : "", help ? `${id}-help` : ""].filter(Boolean).join(" ");
  const control = cloneElement(children, {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": described || undefined,
    className: [children.props.className, error ? "invalid" : ""].filter(Boolean).join(" ") || undefined,
  });
  return (
    <div
      className={[styles.field, grow ? styles.grow : "", narrow ? styles.narrow : "", className ?? ""]
        .filter(Boolean)
        .join(" ")}
    >
      <label htmlFor={id}>{label}</label>
      {control}
      {error && (
        <p id={`${id}-error`} className={styles.fieldError} role="alert">
          {label}: {error}
        </p>
      )}
      {help && (
        <p id={`${id}-help`} className={styles.help}>
          {help}
        </p>
      )}
    </div>
  );
}
