"use client";

/** − [n] + : whole numbers from 1 to `max`. */
export function QuantityStepper({
  value,
  max,
  onChange,
  label = "Quantity",
}: {
  value: number;
  max: number;
  onChange: (value: number) => void;
  label?: string;
}) {
  const clamp = (next: number) => Math.min(Math.max(1, Math.floor(next) || 1), Math.max(max, 1));
  return (
    <span className="stepper" role="group" aria-label={label}>
      <button type="button" aria-label="One fewer" disabled={value <= 1} onClick={() => onChange(clamp(value - 1))}>
        −
      </button>
      <input
        type="number"
        inputMode="numeric"
        aria-label={label}
        min={1}
        max={Math.max(max, 1)}
        value={value}
        onChange={(event) => onChange(clamp(Number(event.target.value)))}
      />
      <button type="button" aria-label="One more" disabled={value >= max} onClick={() => onChange(clamp(value + 1))}>
        +
      </button>
    </span>
  );
}
