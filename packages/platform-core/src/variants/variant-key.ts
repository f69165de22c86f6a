/** Attributes that identify a variant, e.g. `{ size: "M", color: "Red" }`. */
export type VariantAttributes = Record<string, string>;

function normalise(text: string): string {
  return text.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * The canonical key of a variant: attribute names and values trimmed, spaces
 * folded, lower-cased, sorted by name and URI-encoded as `name=value|name=value`.
 * Attributes with an empty value are dropped; no attributes gives "".
 * Every path (cart, import, grid, API) derives keys here, so `{Size:"M"}` and
 * `{ size: " m " }` are the same variant everywhere.
 */
export function variantKey(attributes: VariantAttributes | null | undefined): string {
  if (!attributes) return "";
  const pairs = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(attributes)) {
    if (rawValue === null || rawValue === undefined) continue;
    const name = normalise(rawName);
    const value = normalise(String(rawValue));
    if (name === "" || value === "") continue;
    pairs.set(name, value);
  }
  return [...pairs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join("|");
}

/** Attributes with names and values trimmed and empty values dropped (display form, case kept). */
export function cleanVariantAttributes(attributes: VariantAttributes | null | undefined): VariantAttributes {
  const result: VariantAttributes = {};
  if (!attributes) return result;
  for (const [name, value] of Object.entries(attributes)) {
    const cleanName = name.trim().replace(/\s+/g, " ");
    const cleanValue = String(value ?? "")
      .trim()
      .replace(/\s+/g, " ");
    if (cleanName && cleanValue) result[cleanName] = cleanValue;
  }
  return result;
}

/** Whether two attribute sets are equal, name for name, whatever their key order. */
export function sameVariantAttributes(a: VariantAttributes, b: VariantAttributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
}

/** Attribute names that mean an earlier attribute once normalised (e.g. "size" after "Size"). */
export function collidingAttributeNames(attributes: VariantAttributes): Array<{ name: string; first: string }> {
  const seen = new Map<string, string>();
  const collisions: Array<{ name: string; first: string }> = [];
  for (const name of Object.keys(attributes)) {
    const normalised = normalise(name);
    const first = seen.get(normalised);
    if (first !== undefined) collisions.push({ name, first });
    else seen.set(normalised, name);
  }
  return collisions;
}

/** Whether `key` is exactly what `variantKey` makes for some attributes (clients may send keys they got from us). */
export function isCanonicalVariantKey(key: string): boolean {
  if (key === "") return true;
  const attributes: VariantAttributes = {};
  for (const pair of key.split("|")) {
    const [name, value, extra] = pair.split("=");
    if (name === undefined || value === undefined || extra !== undefined) return false;
    try {
      attributes[decodeURIComponent(name)] = decodeURIComponent(value);
    } catch {
      return false;
    }
  }
  try {
    return variantKey(attributes) === key;
  } catch {
    // Malformed Unicode cannot be encoded, so it is never canonical.
    return false;
  }
}
