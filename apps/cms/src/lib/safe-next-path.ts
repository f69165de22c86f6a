const BASE = "http://cms.invalid";

/**
 * Where to go after signing in: only a path on this site. The value is
 * resolved as a browser would (which drops tabs and newlines and reads `\`
 * as `/`), so `/\t/evil.example` or `/\evil.example` cannot become
 * `//evil.example`; anything that leaves this origin goes to /cms instead.
 */
export function safeNextPath(next: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- matches control characters on purpose, to refuse them
  if (!next || !next.startsWith("/") || /[\u0000-\u001f\u007f\s\\]/.test(next)) return "/cms";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/cms";
  }
  if (url.origin !== BASE) return "/cms";
  return `${url.pathname}${url.search}${url.hash}`;
}
