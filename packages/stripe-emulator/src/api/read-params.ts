import type { FormObject, FormValue } from "./form-body.ts";
import { invalidRequest } from "./stripe-api-error.ts";

// Readers for Stripe's form parameters: each names the parameter it refuses,
// with Stripe's wording, so every endpoint validates the same way.

export function rejectUnknown(object: FormObject, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) {
      const param = prefix === "" ? key : `${prefix}[${key}]`;
      throw invalidRequest(`Received unknown parameter: ${param}`, param);
    }
  }
}

export function asObject(value: FormValue | undefined, param: string): FormObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" || Array.isArray(value)) throw invalidRequest(`Invalid object`, param);
  return value;
}

export function asString(value: FormValue | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, param);
  return value;
}

export function asInteger(value: FormValue | undefined, param: string): number | undefined {
  const text = asString(value, param);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw invalidRequest(`Invalid integer: ${text}`, param);
  return Number(text);
}

export function required<T>(value: T | undefined, param: string): T {
  if (value === undefined || value === "") throw invalidRequest(`Missing required param: ${param}.`, param);
  return value;
}

/** `true`/`false`, as the SDK encodes booleans. */
export function asBoolean(value: FormValue | undefined, param: string): boolean | undefined {
  const text = asString(value, param);
  if (text === undefined) return undefined;
  if (text !== "true" && text !== "false") throw invalidRequest(`Invalid boolean: ${text}`, param);
  return text === "true";
}

/** Stripe's metadata rules: up to 50 keys, keys up to 40 characters, values up to 500; empty values unset. */
export function readMetadata(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined || value === "") return {};
  const object = asObject(value, param) ?? {};
  const result: Record<string, string> = {};
  for (const [key, raw] of Object.entries(object)) {
    const keyParam = `${param}[${key}]`;
    const text = asString(raw, keyParam) ?? "";
    if (key.length > 40) {
      throw invalidRequest(
        `Metadata keys can have up to 40 characters. Key ${JSON.stringify(key)} has ${key.length} characters.`,
        keyParam,
      );
    }
    if (text.length > 500) {
      throw invalidRequest(
        `Metadata values can have up to 500 characters, but you passed in a value that is ${text.length} characters.`,
        keyParam,
      );
    }
    if (text !== "") result[key] = text;
  }
  if (Object.keys(result).length > 50) {
    throw invalidRequest(
      `Metadata can have up to 50 keys, but you passed in ${Object.keys(result).length} keys.`,
      param,
    );
  }
  return result;
}
