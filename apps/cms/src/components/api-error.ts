/** An error answer of the CMS JSON API, as the UI shows it. */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  errors?: Array<{ field: string; message: string; line?: number }>;
  /** The whole JSON body (e.g. `current` of a version conflict). */
  body?: unknown;
}

export async function readApiError(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status line.
  }
  return apiErrorFromBody(response.status, body);
}

export function apiErrorFromBody(status: number, body: Record<string, unknown>): ApiError {
  const errors = Array.isArray(body.errors) ? (body.errors as ApiError["errors"]) : undefined;
  return {
    status,
    code: typeof body.code === "string" ? body.code : "http_" + status,
    message: typeof body.message === "string" ? body.message : `The server answered ${status}.`,
    ...(errors ? { errors } : {}),
    body,
  };
}

/** One line for an error, its field errors appended. */
export function describeApiError(error: ApiError): string {
  const prefix =
    error.status === 401
      ? "Your session has ended; sign in again. "
      : error.status === 403
        ? "You are not allowed to do this. "
        : "";
  const fields = error.errors?.map((e) => `${e.line ? `line ${e.line}, ` : ""}${e.field}: ${e.message}`).join("; ");
  return `${prefix}${error.message}${fields ? ` (${fields})` : ""}`;
}

/**
 * An error's field messages for the fields a form shows (a field named `prefix.<name>` counts as `<name>`), and
 * whether anything is left over that no field shows (a refusal of the request as a whole, or another field).
 */
export function placeFieldErrors(
  error: ApiError | undefined,
  fields: readonly string[],
  prefix = "",
): { byField: Map<string, string>; unplaced: boolean } {
  const byField = new Map<string, string>();
  if (!error) return { byField, unplaced: false };
  let unplaced = (error.errors ?? []).length === 0;
  for (const e of error.errors ?? []) {
    const field = prefix && e.field.startsWith(`${prefix}.`) ? e.field.slice(prefix.length + 1) : e.field;
    if (fields.includes(field)) byField.set(field, [byField.get(field), e.message].filter(Boolean).join("; "));
    else unplaced = true;
  }
  return { byField, unplaced };
}
