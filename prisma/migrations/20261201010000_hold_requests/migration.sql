-- Hold requests from every instance share transactions. A request is first
-- written here (its own statement, committed), then its caller waits for the
-- shop's hold lock (transaction-scoped, so PgBouncer's transaction mode is
-- fine). Whoever gets the lock decides every pending request of the shop in
-- arrival order with inventory_create_holds_batch, in one transaction and one
-- commit, and writes each answer back; the callers that waited find theirs
-- when the lock comes to them. A caller that died leaves its lock to
-- PostgreSQL (it goes with its transaction) and its request to the deadline.
--
-- UNLOGGED: requests live for milliseconds, and writing them costs no WAL
-- flush. A server crash empties the table; the callers of those requests
-- lost their connections and were told to retry, and the holds themselves
-- (InventoryHold) are logged as before.

-- CreateTable
CREATE UNLOGGED TABLE "HoldRequest" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "result" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HoldRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HoldRequest_shopId_seq_idx" ON "HoldRequest"("shopId", "seq");

-- Removes the caller's requests and returns their answers in p_ids order
-- (null for a request that is gone). The caller holds the shop's hold lock.
CREATE OR REPLACE FUNCTION inventory_take_decided_hold_requests(p_ids text[])
RETURNS jsonb
LANGUAGE sql AS $$
  WITH taken AS (
    DELETE FROM "HoldRequest" WHERE id = ANY(p_ids) RETURNING id, result
  )
  SELECT jsonb_agg(taken.result ORDER BY mine.ord)
  FROM unnest(p_ids) WITH ORDINALITY AS mine(id, ord) LEFT JOIN taken ON taken.id = mine.id;
$$;

-- Decides the caller's requests (p_ids, already in "HoldRequest"): answers a
-- leader already wrote, or leads and decides every pending request of the
-- shop (at most p_max besides the caller's own), oldest first. Returns the
-- caller's answers in p_ids order (null for a request dropped at its
-- deadline); the caller's rows are removed.
CREATE OR REPLACE FUNCTION inventory_decide_hold_requests(p_shop text, p_ids text[], p_now timestamptz, p_max integer)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_ids text[];
  v_batch jsonb;
  v_results jsonb;
BEGIN
  -- The shop's hold lock, before any idempotency-key or stock-row lock (the global order).
  PERFORM pg_advisory_xact_lock(hashtextextended('hold-requests:' || p_shop, 7318));
  IF EXISTS (SELECT 1 FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL) THEN
    -- Lead. Requests whose callers gave up (past their deadline) are dropped
    -- undecided, and answers nobody came for are swept.
    DELETE FROM "HoldRequest"
    WHERE "shopId" = p_shop AND NOT (id = ANY(p_ids))
      AND ((result IS NULL AND deadline < clock_timestamp()) OR (result IS NOT NULL AND deadline < clock_timestamp() - interval '1 minute'));
    SELECT array_agg(pending.id ORDER BY pending.seq), jsonb_agg(pending.request ORDER BY pending.seq)
    INTO v_ids, v_batch
    FROM (
      (SELECT id, seq, request FROM "HoldRequest" WHERE "shopId" = p_shop AND result IS NULL ORDER BY seq LIMIT p_max)
      UNION
      (SELECT id, seq, request FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL)
    ) pending;
    v_results := inventory_create_holds_batch(p_shop, v_batch, p_now);
    UPDATE "HoldRequest" r SET result = v_results->(d.ord - 1)::int
    FROM unnest(v_ids) WITH ORDINALITY AS d(id, ord)
    WHERE r.id = d.id;
  END IF;
  RETURN inventory_take_decided_hold_requests(p_ids);
END;
$$;

-- The caller's answers once the deciding transaction in flight (if any) has
-- committed: waits on the shop's hold lock in shared mode, so every caller a
-- leader answered reads its answers at once, together, instead of taking the
-- lock in turn. Null when some request of the caller is still undecided: the
-- caller then leads (inventory_decide_hold_requests, in its own statement, so
-- that no transaction holds the lock shared while asking for it exclusive).
CREATE OR REPLACE FUNCTION inventory_take_hold_answers(p_shop text, p_ids text[])
RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('hold-requests:' || p_shop, 7318));
  IF EXISTS (SELECT 1 FROM "HoldRequest" WHERE id = ANY(p_ids) AND result IS NULL) THEN
    RETURN NULL;
  END IF;
  RETURN inventory_take_decided_hold_requests(p_ids);
END;
$$;
