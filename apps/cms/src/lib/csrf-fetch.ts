"use client";

/** `fetch` for CMS pages: adds the session's CSRF token, which the root layout renders in a meta tag. */
export function csrfFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
  const headers = new Headers(init.headers);
  headers.set("x-csrf-token", token);
  return fetch(input, { ...init, headers, credentials: "same-origin" });
}
