-- Checkout at Stripe's limits: a hold's Checkout Session is created from a
-- durable request, so a throttled or failed call keeps the hold and is tried
-- again (same parameters, same idempotency key) by whichever instance the
-- buyer's next request reaches. Calls are paced across instances: one row
-- per endpoint (its next slot) and the account's global budget per second. After the session is
-- made, the request stays until the session is closed: the reaper expires a
-- session whose hold's time is up.

-- CreateTable
CREATE TABLE "CheckoutSessionRequest" (
    "shopId" TEXT NOT NULL,
    "holdId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "stripeIdempotencyKey" TEXT NOT NULL,
    "sessionId" TEXT,
    "url" TEXT,
    "sessionExpiresAt" TIMESTAMPTZ(3) NOT NULL,
    "prepareBy" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "leaseUntil" TIMESTAMPTZ(3),
    "leaseId" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "errorParam" TEXT,
    "sessionClosedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CheckoutSessionRequest_pkey" PRIMARY KEY ("shopId", "holdId"),
    CONSTRAINT "CheckoutSessionRequest_state_check" CHECK ("state" IN ('preparing', 'ready', 'failed')),
    CONSTRAINT "CheckoutSessionRequest_ready_has_session" CHECK ("state" <> 'ready' OR ("sessionId" IS NOT NULL AND "url" IS NOT NULL))
);

-- The reaper's work: sessions still open in Stripe (a small set: a session
-- leaves it when it is paid, expired or found closed).
CREATE INDEX "CheckoutSessionRequest_open_sessions_idx" ON "CheckoutSessionRequest"("shopId") WHERE "state" = 'ready' AND "sessionClosedAt" IS NULL;

-- CreateTable
CREATE TABLE "StripeRatePace" (
    "key" TEXT NOT NULL,
    "nextAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StripeRatePace_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "StripeRateWindow" (
    "key" TEXT NOT NULL,
    "second" TIMESTAMPTZ(3) NOT NULL,
    "calls" INTEGER NOT NULL,

    CONSTRAINT "StripeRateWindow_pkey" PRIMARY KEY ("key", "second")
);
