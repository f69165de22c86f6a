/** Where to go after signing in: only a path on this site (no `//host` or `https:` open redirects). */
export function safeNextPath(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/cms";
  return next;
}
