import { randomBytes } from "node:crypto";
import { getInventoryStore, getOperator, type Operator } from "@acme/platform-core";
import { getIronSession, type IronSession, type SessionOptions } from "iron-session";
import { cookies } from "next/headers";
import { cache } from "react";
import { getCmsEnv } from "@/env";

export const SESSION_COOKIE = "acme_cms_session";

interface SessionData {
  operatorId?: string;
  /** Per-session token that state-changing requests must echo in `x-csrf-token`. */
  csrfToken?: string;
  signedInAt?: number;
}

/** A signed-in operator, read fresh from the database on every request. */
export interface SessionOperator extends Operator {
  csrfToken: string;
}

function sessionOptions(): SessionOptions {
  const env = getCmsEnv();
  return {
    password: env.sessionSecret,
    cookieName: SESSION_COOKIE,
    ttl: env.sessionSeconds,
    cookieOptions: { httpOnly: true, sameSite: "lax", secure: env.secureCookies, path: "/" },
  };
}

async function session(): Promise<IronSession<SessionData>> {
  return getIronSession<SessionData>(await cookies(), sessionOptions());
}

/**
 * The operator behind this request's session cookie, or null. The cookie only
 * names the operator: role, shops and whether the account is disabled come
 * from the database each time, so a revocation takes effect at once.
 */
export const getOperatorSession = cache(readOperatorSession);

// One read per page render: the root layout, the /cms layout and the page all
// ask, and each answer would be the same rows (plus, for admins, every shop).
async function readOperatorSession(): Promise<SessionOperator | null> {
  const current = await session();
  if (!current.operatorId || !current.csrfToken) return null;
  const operator = await getOperator({ id: current.operatorId });
  if (!operator || operator.disabled) return null;
  // Signed out (here or on another device) after this session began: the cookie is dead.
  if (operator.sessionsValidFrom && (current.signedInAt ?? 0) < operator.sessionsValidFrom.getTime()) return null;
  // Admins act in every shop: list them all so navigation can offer them.
  const shops =
    operator.role === "admin"
      ? [...new Set([...operator.shops, ...(await getInventoryStore().listShops())])].sort()
      : operator.shops;
  return { ...operator, shops, csrfToken: current.csrfToken };
}

/** Starts a fresh session for `operator` (a new cookie and a new CSRF token). */
export async function startSession(operator: Operator): Promise<void> {
  const current = await session();
  current.operatorId = operator.id;
  current.csrfToken = randomBytes(32).toString("base64url");
  current.signedInAt = Date.now();
  await current.save();
}

export async function endSession(): Promise<void> {
  (await session()).destroy();
}
