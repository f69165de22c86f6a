import type Stripe from "stripe";
import { getDatabase, type Database } from "../db/prisma-client.ts";
import { getEnv } from "../env.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { getHoldStore } from "../holds/get-hold-store.ts";
import type { HoldStore } from "../holds/types.ts";

export type SessionRequestState = "preparing" | "ready" | "failed";

/** A hold's Checkout Session: to be created (`preparing`), made (`ready`), or refused for good (`failed`). */
export interface SessionRequest {
  shopId: string;
  holdId: string;
  state: SessionRequestState;
  /** Sent unchanged on every attempt, under `stripeIdempotencyKey`. */
  params: Stripe.Checkout.SessionCreateParams;
  stripeIdempotencyKey: string;
  sessionId: string | null;
  url: string | null;
  sessionExpiresAt: Date;
  /** No attempt starts after this: the session's `expires_at` would be under Stripe's 30 minutes. */
  prepareBy: Date;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorParam: string | null;
  sessionClosedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SessionRequestPatch = Partial<
  Pick<SessionRequest, "state" | "stripeIdempotencyKey" | "sessionId" | "url" | "attempts" | "nextAttemptAt" | "leaseUntil" | "errorCode" | "errorMessage" | "errorParam" | "sessionClosedAt">
>;

/** A session still open in Stripe whose hold no longer needs it. */
export interface SessionToClose {
  shopId: string;
  holdId: string;
  sessionId: string;
}

/** Where session requests live: PostgreSQL, or this process for the file backend. */
export interface SessionRequestStore {
  /**
   * Writes the request unless the hold has one; returns the stored request
   * and whether this call wrote it (a new request is written already taken
   * for its first attempt, with the `leaseUntil` it carries).
   */
  create(request: SessionRequest): Promise<{ request: SessionRequest; created: boolean }>;
  get(input: { shopId: string; holdId: string }): Promise<SessionRequest | null>;
  /**
   * Takes the request for one attempt (until `leaseUntil`): only a
   * `preparing` request that is due and not taken by another instance.
   */
  claim(input: { shopId: string; holdId: string; now: Date; leaseUntil: Date }): Promise<SessionRequest | null>;
  update(input: { shopId: string; holdId: string; patch: SessionRequestPatch; now: Date }): Promise<void>;
  /** The session exists: the request is `ready`, and the hold names the session (unless it names one already). */
  recordSession(input: { shopId: string; holdId: string; sessionId: string; url: string; attempts: number; now: Date }): Promise<void>;
  /**
   * Sessions still open whose hold's time is up, or that ended unpaid
   * (released, expired), oldest hold expiry first. Sessions of paid holds are
   * marked closed on the way: they leave the set.
   */
  listSessionsToClose(input: { now: Date; limit: number }): Promise<SessionToClose[]>;
}

type Row = Prisma.CheckoutSessionRequestGetPayload<object>;

function fromRow(row: Row): SessionRequest {
  return { ...row, state: row.state as SessionRequestState, params: row.params as unknown as Stripe.Checkout.SessionCreateParams };
}

export function createPrismaSessionRequestStore(database: Database): SessionRequestStore {
  const { prisma } = database;
  return {
    async create(request) {
      const r = request;
      const written = await prisma.$queryRaw<Row[]>`
        INSERT INTO "CheckoutSessionRequest" ("shopId", "holdId", state, params, "stripeIdempotencyKey", "sessionId", url, "sessionExpiresAt", "prepareBy",
          attempts, "nextAttemptAt", "leaseUntil", "errorCode", "errorMessage", "errorParam", "sessionClosedAt", "createdAt", "updatedAt")
        VALUES (${r.shopId}, ${r.holdId}, ${r.state}, ${JSON.stringify(r.params)}::jsonb, ${r.stripeIdempotencyKey}, ${r.sessionId}, ${r.url},
          ${r.sessionExpiresAt}, ${r.prepareBy}, ${r.attempts}, ${r.nextAttemptAt}, ${r.leaseUntil}, ${r.errorCode}, ${r.errorMessage}, ${r.errorParam},
          ${r.sessionClosedAt}, ${r.createdAt}, ${r.updatedAt})
        ON CONFLICT ("shopId", "holdId") DO NOTHING
        RETURNING *`;
      if (written[0]) return { request: fromRow(written[0]), created: true };
      const stored = await prisma.checkoutSessionRequest.findUnique({ where: { shopId_holdId: { shopId: r.shopId, holdId: r.holdId } } });
      if (!stored) throw new Error(`The session request of hold ${r.holdId} was not stored`);
      return { request: fromRow(stored), created: false };
    },
    async get({ shopId, holdId }) {
      const row = await prisma.checkoutSessionRequest.findUnique({ where: { shopId_holdId: { shopId, holdId } } });
      return row ? fromRow(row) : null;
    },
    async claim({ shopId, holdId, now, leaseUntil }) {
      const rows = await prisma.$queryRaw<Row[]>`
        UPDATE "CheckoutSessionRequest" SET "leaseUntil" = ${leaseUntil}, "updatedAt" = ${now}
        WHERE "shopId" = ${shopId} AND "holdId" = ${holdId} AND state = 'preparing'
          AND "nextAttemptAt" <= ${now} AND ("leaseUntil" IS NULL OR "leaseUntil" <= ${now})
        RETURNING *`;
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async update({ shopId, holdId, patch, now }) {
      await prisma.checkoutSessionRequest.update({ where: { shopId_holdId: { shopId, holdId } }, data: { ...patch, updatedAt: now } });
    },
    async recordSession({ shopId, holdId, sessionId, url, attempts, now }) {
      // One statement: operators go from the hold to its session, and the request is answered.
      await prisma.$executeRaw`
        WITH answered AS (
          UPDATE "CheckoutSessionRequest"
          SET state = 'ready', "sessionId" = ${sessionId}, url = ${url}, attempts = ${attempts}, "leaseUntil" = NULL,
              "errorCode" = NULL, "errorMessage" = NULL, "updatedAt" = ${now}
          WHERE "shopId" = ${shopId} AND "holdId" = ${holdId}
          RETURNING 1
        )
        UPDATE "InventoryHold" SET "checkoutSessionId" = ${sessionId}
        WHERE id = ${holdId} AND "shopId" = ${shopId} AND "checkoutSessionId" IS NULL AND EXISTS (SELECT 1 FROM answered)`;
    },
    async listSessionsToClose({ now, limit }) {
      await prisma.$executeRaw`
        UPDATE "CheckoutSessionRequest" r SET "sessionClosedAt" = h."committedAt", "updatedAt" = ${now}
        FROM "InventoryHold" h
        WHERE r.state = 'ready' AND r."sessionClosedAt" IS NULL AND h.id = r."holdId" AND h."shopId" = r."shopId" AND h.status = 'committed'`;
      return prisma.$queryRaw<SessionToClose[]>`
        SELECT r."shopId", r."holdId", r."sessionId"
        FROM "CheckoutSessionRequest" r JOIN "InventoryHold" h ON h.id = r."holdId" AND h."shopId" = r."shopId"
        WHERE r.state = 'ready' AND r."sessionClosedAt" IS NULL AND r."sessionExpiresAt" > ${now}
          AND (h.status IN ('released', 'expired') OR (h.status = 'active' AND h."expiresAt" <= ${now}))
        ORDER BY h."expiresAt"
        LIMIT ${limit}`;
    },
  };
}

/**
 * Requests kept in this process, for the file backend (single-process by
 * definition). A restart forgets them: their holds lapse at their TTL.
 */
export function createProcessSessionRequestStore(holds: () => HoldStore = getHoldStore): SessionRequestStore {
  const requests = new Map<string, SessionRequest>();
  const key = (shopId: string, holdId: string) => `${shopId}\u0000${holdId}`;
  return {
    async create(request) {
      const existing = requests.get(key(request.shopId, request.holdId));
      if (existing) return { request: { ...existing }, created: false };
      requests.set(key(request.shopId, request.holdId), { ...request });
      return { request: { ...request }, created: true };
    },
    async get({ shopId, holdId }) {
      const found = requests.get(key(shopId, holdId));
      return found ? { ...found } : null;
    },
    async claim({ shopId, holdId, now, leaseUntil }) {
      const found = requests.get(key(shopId, holdId));
      if (!found || found.state !== "preparing" || found.nextAttemptAt > now || (found.leaseUntil && found.leaseUntil > now)) return null;
      found.leaseUntil = leaseUntil;
      found.updatedAt = now;
      return { ...found };
    },
    async update({ shopId, holdId, patch, now }) {
      const found = requests.get(key(shopId, holdId));
      if (found) Object.assign(found, patch, { updatedAt: now });
    },
    async recordSession({ shopId, holdId, sessionId, url, attempts, now }) {
      const found = requests.get(key(shopId, holdId));
      if (!found) return;
      Object.assign(found, { state: "ready", sessionId, url, attempts, leaseUntil: null, errorCode: null, errorMessage: null, updatedAt: now });
      await holds().attachCheckoutSession({ shopId, holdId, checkoutSessionId: sessionId });
    },
    async listSessionsToClose({ now, limit }) {
      const due: Array<SessionToClose & { expiresAt: Date }> = [];
      for (const request of requests.values()) {
        if (request.state !== "ready" || request.sessionClosedAt || !request.sessionId) continue;
        const hold = await holds().getHold({ shopId: request.shopId, holdId: request.holdId, now });
        if (hold?.status === "committed") request.sessionClosedAt = hold.committedAt ?? now;
        else if (hold && hold.status !== "active" && request.sessionExpiresAt > now) {
          due.push({ shopId: request.shopId, holdId: request.holdId, sessionId: request.sessionId, expiresAt: hold.expiresAt });
        }
      }
      return due
        .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
        .slice(0, limit)
        .map(({ shopId, holdId, sessionId }) => ({ shopId, holdId, sessionId }));
    },
  };
}

const globalForRequests = globalThis as unknown as { __acmeSessionRequests?: SessionRequestStore };

export function getSessionRequestStore(): SessionRequestStore {
  globalForRequests.__acmeSessionRequests ??=
    getEnv().INVENTORY_BACKEND === "json" ? createProcessSessionRequestStore() : createPrismaSessionRequestStore(getDatabase());
  return globalForRequests.__acmeSessionRequests;
}
