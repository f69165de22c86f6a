/**
 * The origin the buyer used (Host header), for Stripe's return URLs when
 * SHOP_PUBLIC_URL is not set: the server's own idea of its URL may differ
 * (e.g. localhost vs 127.0.0.1), and the cart cookie belongs to the buyer's.
 */
export function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  // A proxy says http or https (the first of a list); anything else (javascript:, ftp:) is not a return URL Stripe
  // takes.
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  const proto = forwarded === "http" || forwarded === "https" ? forwarded : url.protocol.replace(":", "");
  return `${proto}://${host}`;
}

/**
 * One cookie's value from the request's Cookie header, percent-decoded. When
 * the name repeats, the first wins, as browsers send the most specific path first.
 */
export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    const raw = part.slice(at + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}
