/** The query string as a plain object (last value wins), for `parseOrThrow`. */
export function queryOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}
