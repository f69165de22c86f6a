/**
 * A decoded Stripe form body: `a[b][0][c]=v` becomes `{ a: { b: [{ c: "v" }] } }`.
 * Values stay strings, as on the wire; each endpoint coerces what it reads.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Splits `line_items[0][price_data][currency]` into `["line_items", "0", "price_data", "currency"]`. */
function keyPath(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const path = [key.slice(0, open)];
  const segments = key.slice(open).match(/\[([^\]]*)\]/g) ?? [];
  for (const segment of segments) path.push(segment.slice(1, -1));
  return path;
}

type Node = { [key: string]: Node | string };

function assign(root: Node, path: string[], value: string): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    let segment = path[i] as string;
    if (segment === "") segment = String(Object.keys(node).length);
    const child = node[segment];
    if (child === undefined || typeof child === "string") {
      // `metadata=` followed by `metadata[x]=y`: the nested keys win.
      const created: Node = {};
      node[segment] = created;
      node = created;
    } else {
      node = child;
    }
  }
  let last = path[path.length - 1] as string;
  if (last === "") last = String(Object.keys(node).length);
  const existing = node[last];
  if (existing !== undefined && typeof existing !== "string") return;
  node[last] = value;
}

/** Objects whose keys are all array indices become arrays, in index order. */
function toFormValue(node: Node | string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => toFormValue(node[String(index)] as Node | string));
  }
  const result: FormObject = {};
  for (const key of keys) result[key] = toFormValue(node[key] as Node | string);
  return result;
}

/** Parses a form-encoded body or query string with Stripe's bracket notation. */
export function parseStripeForm(encoded: string): FormObject {
  const root: Node = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    assign(root, keyPath(key), value);
  }
  return toFormValue(root) as FormObject;
}
