import { ErrorCode } from "./error-codes.ts";
import { httpStatusByCode } from "./http-status.ts";

/** One reason an input was refused: where, and why. */
export interface FieldError {
  /** Dotted path of the field, e.g. `lines.2.quantity`. */
  field: string;
  message: string;
  /** 1-based line of an imported file, when the input came from one. */
  line?: number;
}

export interface InventoryErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Marks InventoryErrors across copies of this module (see `Symbol.hasInstance` below). */
const BRAND = Symbol.for("@acme/platform-core/InventoryError");

/** The platform's single error type: a stable code, a user-facing message, an HTTP status. */
export class InventoryError extends Error {
  /**
   * Next.js bundles the library once per route layer (pages, API routes), while
   * stores live on `globalThis`: an error thrown by a store that a page created
   * must still be an InventoryError to an API route's copy, or it would answer 500.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  readonly [BRAND] = true;
  override readonly name = "InventoryError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: InventoryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = httpStatusByCode[code];
    this.details = options.details ?? {};
  }

  static validation(errors: FieldError[], message = "The input is not valid."): InventoryError {
    return new InventoryError(ErrorCode.validation_failed, message, { details: { errors } });
  }

  toJSON(): { code: ErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isInventoryError(error: unknown, code?: ErrorCode): error is InventoryError {
  return error instanceof InventoryError && (code === undefined || error.code === code);
}
