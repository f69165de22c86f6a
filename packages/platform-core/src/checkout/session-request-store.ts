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
  leaseId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorParam: string | null;
  sessionClosedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SessionRequestPatch = Partial<
  Pick<
    SessionRequest,
    | "state"
    | "params"
    | "stripeIdempotencyKey"
    | "sessionExpiresAt"
    | "prepareBy"
    | "attempts"
    | "nextAttemptAt"
    | "errorCode"
    | "errorMessage"
    | "errorParam"
  >
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
   * Takes the request for one attempt, until `leaseUntil`, under the lease id `lease`:
   * only a `preparing` request that is due and not taken by another caller.
   * `holdActive` says whether its hold still holds stock.
   */
  claim(input: {
    shopId: string;
    holdId: string;
    now: Date;
    leaseUntil: Date;
    lease: string;
  }): Promise<{ request: SessionRequest; holdActive: boolean } | null>;
  /**
   * Writes an attempt's outcome and gives the lease up, only while the lease
   * is still `lease` (a caller whose lease ran out writes nothing); returns
   * whether it wrote.
   */
  release(input: {
    shopId: string;
    holdId: string;
    lease: string;
    patch: SessionRequestPatch;
    now: Date;
  }): Promise<boolean>;
  /**
   * The session exists: the request is `ready`, and the hold names the
   * session (unless it names one already), only while the lease is still
   * `lease`; returns whether it wrote.
   */
  recordSession(input: {
    shopId: string;
    holdId: string;
    lease: string;
    sessionId: string;
    url: string;
    attempts: number;
    now: Date;
  }): Promise<boolean>;
  /** The reaper closed the session (expired it, or found it closed). */
  markClosed(input: { shopId: string; holdId: string; now: Date }): Promise<void>;
  /**
   * Sessions still open whose hold ends within `leadMs` (or ended unpaid:
   * released, expired, lapsed unopened), soonest first. Sessions of paid
   * holds, and sessions past their own `expires_at`, are marked closed on
   * the way: they leave the set.
   */
  listSessionsToClose(input: { now: Date; leadMs: number; limit: number }): Promise<SessionToClose[]>;
}

type Row = Prisma.CheckoutSessionRequestGetPayload<object>;

function fromRow(row: Row): SessionRequest {
  return {
    ...row,
    state: row.state as SessionRequestState,
    params: row.params as unknown as Stripe.Checkout.SessionCreateParams,
  };
}

function patchData(patch: SessionRequestPatch): Prisma.CheckoutSessionRequestUpdateManyMutationInput {
  const { params, ...rest } = patch;
  return { ...rest, ...(params ? { params: params as unknown as Prisma.InputJsonValue } : {}) };
}

export function createPrismaSessionRequestStore(database: Database): SessionRequestStore {
  const { prisma } = database;
  return {
    async create(request) {
      const r = request;
      const written = await prisma.$queryRaw<Row[]>`
        INSERT INTO "CheckoutSessionRequest" ("shopId", "holdId", state, params, "stripeIdempotencyKey", "sessionId", url, "sessionExpiresAt", "prepareBy",
          attempts, "nextAttemptAt", "leaseUntil", "leaseId", "errorCode", "errorMessage", "errorParam", "sessionClosedAt", "createdAt", "updatedAt")
        VALUES (${r.shopId}, ${r.holdId}, ${r.state}, ${JSON.stringify(r.params)}::jsonb, ${r.stripeIdempotencyKey}, ${r.sessionId}, ${r.url},
          ${r.sessionExpiresAt}, ${r.prepareBy}, ${r.attempts}, ${r.nextAttemptAt}, ${r.leaseUntil}, ${r.leaseId}, ${r.errorCode}, ${r.errorMessage}, ${r.errorParam},
          ${r.sessionClosedAt}, ${r.createdAt}, ${r.updatedAt})
        ON CONFLICT ("shopId", "holdId") DO NOTHING
        RETURNING *`;
      if (written[0]) return { request: fromRow(written[0]), created: true };
      const stored = await prisma.checkoutSessionRequest.findUnique({
        where: { shopId_holdId: { shopId: r.shopId, holdId: r.holdId } },
      });
      if (!stored) throw new Error(`The session request of hold ${r.holdId} was not stored`);
      return { request: fromRow(stored), created: false };
    },
    async get({ shopId, holdId }) {
      const row = await prisma.checkoutSessionRequest.findUnique({ where: { shopId_holdId: { shopId, holdId } } });
      return row ? fromRow(row) : null;
    },
    async claim({ shopId, holdId, now, leaseUntil, lease }) {
      const rows = await prisma.$queryRaw<Array<Row & { holdActive: boolean }>>`
        UPDATE "CheckoutSessionRequest" r SET "leaseUntil" = ${leaseUntil}, "leaseId" = ${lease}, "updatedAt" = ${now}
        FROM "InventoryHold" h
        WHERE r."shopId" = ${shopId} AND r."holdId" = ${holdId} AND r.state = 'preparing'
          AND r."nextAttemptAt" <= ${now} AND (r."leaseUntil" IS NULL OR r."leaseUntil" <= ${now})
          AND h.id = r."holdId" AND h."shopId" = r."shopId"
        RETURNING r.*, (h.status = 'active' AND h."expiresAt" > ${now}) AS "holdActive"`;
      const row = rows[0];
      if (!row) return null;
      const { holdActive, ...request } = row;
      return { request: fromRow(request), holdActive };
    },
    async release({ shopId, holdId, lease, patch, now }) {
      const { count } = await prisma.checkoutSessionRequest.updateMany({
        where: { shopId, holdId, state: "preparing", leaseId: lease },
        data: { ...patchData(patch), leaseUntil: null, leaseId: null, updatedAt: now },
      });
      return count > 0;
    },
    async recordSession({ shopId, holdId, lease, sessionId, url, attempts, now }) {
      // One statement: the request is answered, and operators go from the hold to its session.
      const rows = await prisma.$queryRaw<Array<{ answered: boolean }>>`
        WITH answered AS (
          UPDATE "CheckoutSessionRequest"
          SET state = 'ready', "sessionId" = ${sessionId}, url = ${url}, attempts = ${attempts}, "leaseUntil" = NULL, "leaseId" = NULL,
              "errorCode" = NULL, "errorMessage" = NULL, "updatedAt" = ${now}
          WHERE "shopId" = ${shopId} AND "holdId" = ${holdId} AND state = 'preparing' AND "leaseId" = ${lease}
          RETURNING 1
        ), attached AS (
          UPDATE "InventoryHold" SET "checkoutSessionId" = ${sessionId}
          WHERE id = ${holdId} AND "shopId" = ${shopId} AND "checkoutSessionId" IS NULL AND EXISTS (SELECT 1 FROM answered)
        )
        SELECT EXISTS (SELECT 1 FROM answered) AS answered`;
      return rows[0]?.answered === true;
    },
    async markClosed({ shopId, holdId, now }) {
      await prisma.checkoutSessionRequest.updateMany({
        where: { shopId, holdId, sessionClosedAt: null },
        data: { sessionClosedAt: now, updatedAt: now },
      });
    },
    async listSessionsToClose({ now, leadMs, limit }) {
      const soon = new Date(now.getTime() + leadMs);
      await prisma.$executeRaw`
        UPDATE "CheckoutSessionRequest" r SET "sessionClosedAt" = CASE WHEN h.status = 'committed' THEN h."committedAt" ELSE r."sessionExpiresAt" END, "updatedAt" = ${now}
        FROM "InventoryHold" h
        WHERE r.state = 'ready' AND r."sessionClosedAt" IS NULL AND h.id = r."holdId" AND h."shopId" = r."shopId"
          AND (h.status = 'committed' OR r."sessionExpiresAt" <= ${now})`;
      return prisma.$queryRaw<SessionToClose[]>`
        SELECT r."shopId", r."holdId", r."sessionId"
        FROM "CheckoutSessionRequest" r JOIN "InventoryHold" h ON h.id = r."holdId" AND h."shopId" = r."shopId"
        WHERE r.state = 'ready' AND r."sessionClosedAt" IS NULL
          AND (h.status IN ('released', 'expired') OR (h.status = 'active' AND h."expiresAt" <= ${soon}))
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
    create(request) {
      const existing = requests.get(key(request.shopId, request.holdId));
      if (existing) return Promise.resolve({ request: { ...existing }, created: false });
      requests.set(key(request.shopId, request.holdId), { ...request });
      return Promise.resolve({ request: { ...request }, created: true });
    },
    get({ shopId, holdId }) {
      const found = requests.get(key(shopId, holdId));
      return Promise.resolve(found ? { ...found } : null);
    },
    async claim({ shopId, holdId, now, leaseUntil, lease }) {
      const found = requests.get(key(shopId, holdId));
      if (
        !found ||
        found.state !== "preparing" ||
        found.nextAttemptAt > now ||
        (found.leaseUntil && found.leaseUntil > now)
      )
        return null;
      Object.assign(found, { leaseUntil, leaseId: lease, updatedAt: now });
      const hold = await holds().getHold({ shopId, holdId, now });
      return { request: { ...found }, holdActive: hold?.status === "active" };
    },
    release({ shopId, holdId, lease, patch, now }) {
      const found = requests.get(key(shopId, holdId));
      if (!found || found.state !== "preparing" || found.leaseId !== lease) return Promise.resolve(false);
      Object.assign(found, patch, { leaseUntil: null, leaseId: null, updatedAt: now });
      return Promise.resolve(true);
    },
    async recordSession({ shopId, holdId, lease, sessionId, url, attempts, now }) {
      const found = requests.get(key(shopId, holdId));
      if (!found || found.state !== "preparing" || found.leaseId !== lease) return false;
      Object.assign(found, {
        state: "ready",
        sessionId,
        url,
        attempts,
        leaseUntil: null,
        leaseId: null,
        errorCode: null,
        errorMessage: null,
        updatedAt: now,
      });
      await holds().attachCheckoutSession({ shopId, holdId, checkoutSessionId: sessionId });
      return true;
    },
    markClosed({ shopId, holdId, now }) {
      const found = requests.get(key(shopId, holdId));
      if (found && !found.sessionClosedAt) Object.assign(found, { sessionClosedAt: now, updatedAt: now });
      return Promise.resolve();
    },
    async listSessionsToClose({ now, leadMs, limit }) {
      const due: Array<SessionToClose & { expiresAt: Date }> = [];
      for (const request of requests.values()) {
        if (request.state !== "ready" || request.sessionClosedAt || !request.sessionId) continue;
        const hold = await holds().getHold({ shopId: request.shopId, holdId: request.holdId, now });
        if (hold?.status === "committed") request.sessionClosedAt = hold.committedAt ?? now;
        else if (request.sessionExpiresAt <= now) request.sessionClosedAt = request.sessionExpiresAt;
        else if (hold && (hold.status !== "active" || hold.expiresAt.getTime() <= now.getTime() + leadMs)) {
          due.push({
            shopId: request.shopId,
            holdId: request.holdId,
            sessionId: request.sessionId,
            expiresAt: hold.expiresAt,
          });
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
    getEnv().INVENTORY_BACKEND === "json"
      ? createProcessSessionRequestStore()
      : createPrismaSessionRequestStore(getDatabase());
  return globalForRequests.__acmeSessionRequests;
}
