/**
 * Whether a state-changing request comes from a page of this site. Browsers
 * send `Origin` on every cross-site POST, PUT, PATCH and DELETE (and
 * `Sec-Fetch-Site`), so a forged request from another site fails here even
 * before the CSRF token is checked.
 */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin) {
    const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
    try {
      return host !== null && new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  return request.headers.get("sec-fetch-site") === "same-origin";
}
