import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSqlFunctionFiles, sqlFunctionDrift } from "../src/db/sql-functions.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/**
 * Proves that the database our migration runner builds from
 * prisma/migrations/*.sql is the database prisma/schema.prisma describes,
 * since `prisma migrate diff` (the schema engine) cannot run here.
 *
 * The schema is parsed by Prisma's own parser (getDMMF, the Wasm build of the
 * schema engine's parser, which works offline); the database is read from
 * pg_catalog. Anything the database has that the schema language cannot say
 * must be listed below as a known extra, with its exact definition.
 */

// @prisma/internals is CommonJS; Node's ESM loader cannot see its named exports.
const { getDMMF } = createRequire(import.meta.url)("@prisma/internals") as typeof import("@prisma/internals");

const SCHEMA_PATH = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));
const FUNCTIONS_DIR = fileURLToPath(new URL("../../../prisma/functions", import.meta.url));

type Datamodel = Awaited<ReturnType<typeof getDMMF>>["datamodel"];
type Model = Datamodel["models"][number];
type Field = Model["fields"][number];

/** Tables the schema does not declare but that must be there. */
const KNOWN_EXTRA_TABLES = new Set(["_prisma_migrations"]);

/**
 * Columns of a type Prisma's client cannot read (schema.prisma declares them
 * `Unsupported(...)`, which the datamodel this test reads leaves out): checked
 * here by type and nullability instead.
 */
const KNOWN_EXTRA_COLUMNS: Record<string, { type: string; notNull: boolean; why: string }> = {
  "StockLedgerEntry.txid": { type: "xid8", notNull: false, why: "the writing transaction, for stock events" },
  "StockEvent.txid": { type: "xid8", notNull: true, why: "the writing transaction, for its ledger entry" },
};

/** Hand-written indexes (partial, expression, ...) that Prisma's schema language cannot express. */
const KNOWN_EXTRA_INDEXES: Record<
  string,
  { table: string; unique: boolean; columns: string[]; method: string; predicate: string | null; why: string }
> = {
  InventoryHold_active_expiresAt_idx: {
    table: "InventoryHold",
    unique: false,
    columns: ["shopId", "expiresAt"],
    method: "btree",
    predicate: "(status = 'active'::text)",
    why: "partial index for the expiry reaper's scan of active holds",
  },
  InventoryHold_clientAddress_idx: {
    table: "InventoryHold",
    unique: false,
    columns: ["clientAddress"],
    method: "btree",
    predicate: `("clientAddress" IS NOT NULL)`,
    why: "caps and purchase limits count a client's holds; holds without a client are not indexed",
  },
  InventoryHold_clientBuyer_idx: {
    table: "InventoryHold",
    unique: false,
    columns: ["clientBuyer"],
    method: "btree",
    predicate: `("clientBuyer" IS NOT NULL)`,
    why: "caps and purchase limits count a client's holds; holds without a client are not indexed",
  },
  CheckoutSessionRequest_open_sessions_idx: {
    table: "CheckoutSessionRequest",
    unique: false,
    columns: ["shopId"],
    method: "btree",
    predicate: `((state = 'ready'::text) AND ("sessionClosedAt" IS NULL))`,
    why: "the reaper's work: sessions still open in Stripe, a small set; paid, expired and closed ones are not indexed",
  },
  StockLedgerEntry_variant_txid_idx: {
    table: "StockLedgerEntry",
    unique: false,
    columns: ["shopId", "sku", "variantKey", "txid", "id"],
    method: "btree",
    predicate: "(txid IS NOT NULL)",
    why: "a transaction's own ledger rows of a variant, how its stock events find their ledger entries",
  },
  StockEvent_unsequenced_idx: {
    table: "StockEvent",
    unique: false,
    columns: ["shopId", "id"],
    method: "btree",
    predicate: "(seq IS NULL)",
    why: "the sequencer's work: a shop's events not yet numbered, a small set",
  },
};

/** Hand-written CHECK constraints (and their definitions as PostgreSQL prints them). */
const KNOWN_CHECKS: Record<string, { table: string; definition: string }> = {
  InventoryItem_quantity_nonnegative: { table: "InventoryItem", definition: "CHECK ((quantity >= 0))" },
  InventoryItem_reserved_nonnegative: { table: "InventoryItem", definition: "CHECK ((reserved >= 0))" },
  InventoryItem_reserved_within_quantity: { table: "InventoryItem", definition: "CHECK ((reserved <= quantity))" },
  InventoryItem_low_stock_threshold_nonnegative: {
    table: "InventoryItem",
    definition: `CHECK ((("lowStockThreshold" IS NULL) OR ("lowStockThreshold" >= 0)))`,
  },
  InventoryItem_purchase_limit_positive: {
    table: "InventoryItem",
    definition: `CHECK ((("purchaseLimit" IS NULL) OR ("purchaseLimit" >= 1)))`,
  },
  ShopHoldPolicy_max_active_holds_positive: {
    table: "ShopHoldPolicy",
    definition: `CHECK (("maxActiveHoldsPerClient" >= 1))`,
  },
  ShopHoldPolicy_max_held_units_positive: {
    table: "ShopHoldPolicy",
    definition: `CHECK (("maxHeldUnitsPerClient" >= 1))`,
  },
  ShopHoldPolicy_unopened_hold_seconds_range: {
    table: "ShopHoldPolicy",
    definition: `CHECK ((("unopenedHoldSeconds" >= 60) AND ("unopenedHoldSeconds" <= 1800)))`,
  },
  CheckoutSessionRequest_state_check: {
    table: "CheckoutSessionRequest",
    definition: `CHECK ((state = ANY (ARRAY['preparing'::text, 'ready'::text, 'failed'::text])))`,
  },
  CheckoutSessionRequest_ready_has_session: {
    table: "CheckoutSessionRequest",
    definition: `CHECK (((state <> 'ready'::text) OR (("sessionId" IS NOT NULL) AND (url IS NOT NULL))))`,
  },
  InventoryItem_version_positive: { table: "InventoryItem", definition: "CHECK ((version >= 1))" },
  InventoryItem_sku_nonempty: { table: "InventoryItem", definition: "CHECK ((length(sku) > 0))" },
  ShopReturnPolicy_policy_known: {
    table: "ShopReturnPolicy",
    definition: `CHECK ((policy = ANY (ARRAY['restock'::text, 'no_restock'::text, 'ask'::text])))`,
  },
  StockReturn_status_known: {
    table: "StockReturn",
    definition: `CHECK ((status = ANY (ARRAY['restocked'::text, 'not_restocked'::text, 'pending'::text, 'dismissed'::text])))`,
  },
  StockReturn_mapping_known: {
    table: "StockReturn",
    definition: `CHECK ((mapping = ANY (ARRAY['metadata'::text, 'full'::text, 'amount'::text, 'unmatched'::text, 'ambiguous'::text])))`,
  },
  StockLedgerEntry_quantity_after_nonnegative: {
    table: "StockLedgerEntry",
    definition: `CHECK (("quantityAfter" >= 0))`,
  },
  InventoryHold_status_known: {
    table: "InventoryHold",
    definition: "CHECK ((status = ANY (ARRAY['active'::text, 'committed'::text, 'released'::text, 'expired'::text])))",
  },
  InventoryHoldItem_quantity_positive: { table: "InventoryHoldItem", definition: "CHECK ((quantity > 0))" },
  Operator_role_known: {
    table: "Operator",
    definition: "CHECK ((role = ANY (ARRAY['viewer'::text, 'editor'::text, 'admin'::text])))",
  },
  Operator_email_lowercase: {
    table: "Operator",
    definition: "CHECK (((email = lower(email)) AND (length(email) > 0)))",
  },
  OpsAlert_severity_known: {
    table: "OpsAlert",
    definition: "CHECK ((severity = ANY (ARRAY['info'::text, 'warning'::text, 'critical'::text])))",
  },
  StockAlertCrossing_status_known: {
    table: "StockAlertCrossing",
    definition:
      "CHECK ((status = ANY (ARRAY['pending'::text, 'processing'::text, 'sent'::text, 'failed'::text, 'suppressed'::text, 'no_channels'::text])))",
  },
  AlertDelivery_source_known: {
    table: "AlertDelivery",
    definition: "CHECK ((source = ANY (ARRAY['stock'::text, 'ops'::text])))",
  },
  AlertDelivery_channel_known: {
    table: "AlertDelivery",
    definition: "CHECK ((channel = ANY (ARRAY['email'::text, 'webhook'::text])))",
  },
  AlertDelivery_outcome_known: {
    table: "AlertDelivery",
    definition: "CHECK ((outcome = ANY (ARRAY['sent'::text, 'failed'::text])))",
  },
  InventoryLevel_quantity_nonnegative: { table: "InventoryLevel", definition: "CHECK ((quantity >= 0))" },
  InventoryLevel_reserved_nonnegative: { table: "InventoryLevel", definition: "CHECK ((reserved >= 0))" },
  InventoryLevel_reserved_within_quantity: { table: "InventoryLevel", definition: "CHECK ((reserved <= quantity))" },
  InventoryLevel_incoming_nonnegative: { table: "InventoryLevel", definition: "CHECK ((incoming >= 0))" },
  ShopAllocationPolicy_strategy_known: {
    table: "ShopAllocationPolicy",
    definition: "CHECK ((strategy = ANY (ARRAY['fewest_locations'::text, 'priority'::text])))",
  },
  StockLocation_code_format: {
    table: "StockLocation",
    definition: "CHECK ((code ~ '^[a-z0-9][a-z0-9_-]{0,31}$'::text))",
  },
  StockLocation_kind_known: {
    table: "StockLocation",
    definition: "CHECK ((kind = ANY (ARRAY['warehouse'::text, 'store'::text])))",
  },
  StockLocation_priority_range: {
    table: "StockLocation",
    definition: "CHECK (((priority >= 0) AND (priority <= 1000000)))",
  },
  StockTransfer_distinct_locations: {
    table: "StockTransfer",
    definition: `CHECK (("fromLocation" <> "toLocation"))`,
  },
  StockTransfer_status_known: {
    table: "StockTransfer",
    definition: "CHECK ((status = ANY (ARRAY['in_transit'::text, 'received'::text])))",
  },
};

// ---------------------------------------------------------------------------
// What the schema says

async function loadDatamodel(): Promise<Datamodel> {
  const dmmf = await getDMMF({ datamodel: await readFile(SCHEMA_PATH, "utf8") });
  return dmmf.datamodel;
}

const POSTGRES_MAX_IDENTIFIER = 63;

/** Truncates to at most `bytes` UTF-8 bytes without splitting a character (Prisma's floor_char_boundary). */
function truncateBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) < bytes) return text;
  let out = "";
  for (const char of text) {
    if (Buffer.byteLength(out + char) > bytes) break;
    out += char;
  }
  return out;
}

/** Prisma's default constraint and index names (psl ConstraintNames) for PostgreSQL. */
const defaultName = {
  primaryKey: (table: string) => `${truncateBytes(table, POSTGRES_MAX_IDENTIFIER - 5)}_pkey`,
  index: (table: string, columns: string[], suffix: "_key" | "_idx" | "_fkey") =>
    `${truncateBytes(`${table}_${columns.join("_")}`, POSTGRES_MAX_IDENTIFIER - suffix.length)}${suffix}`,
};

const tableOf = (model: Model) => model.dbName ?? model.name;
const columnOf = (field: Field) => field.dbName ?? field.name;

/** The column type PostgreSQL prints (format_type) for a Prisma field, or an explanation the test lacks a mapping. */
function expectedType(field: Field, datamodel: Datamodel): string | { unsupported: string } {
  const suffix = field.isList ? "[]" : "";
  if (field.kind === "enum") {
    const enumeration = datamodel.enums.find((e) => e.name === field.type);
    return `"${enumeration?.dbName ?? field.type}"${suffix}`;
  }
  const [nativeName, nativeArgs = []] = field.nativeType ?? [];
  const precision = (fallback: string) => nativeArgs[0] ?? fallback;
  let base: string | undefined;
  switch (field.type) {
    case "String":
      if (!nativeName || nativeName === "Text") base = "text";
      else if (nativeName === "VarChar")
        base = nativeArgs[0] ? `character varying(${nativeArgs[0]})` : "character varying";
      else if (nativeName === "Char") base = `character(${precision("1")})`;
      else if (nativeName === "Uuid") base = "uuid";
      break;
    case "Int":
      if (!nativeName || nativeName === "Integer") base = "integer";
      else if (nativeName === "SmallInt") base = "smallint";
      break;
    case "BigInt":
      if (!nativeName || nativeName === "BigInt") base = "bigint";
      break;
    case "Boolean":
      if (!nativeName || nativeName === "Boolean") base = "boolean";
      break;
    case "Float":
      if (!nativeName || nativeName === "DoublePrecision") base = "double precision";
      else if (nativeName === "Real") base = "real";
      break;
    case "Decimal":
      if (!nativeName) base = "numeric(65,30)";
      else if (nativeName === "Decimal") base = nativeArgs.length ? `numeric(${nativeArgs.join(",")})` : "numeric";
      break;
    case "Json":
      if (!nativeName || nativeName === "JsonB") base = "jsonb";
      else if (nativeName === "Json") base = "json";
      break;
    case "Bytes":
      if (!nativeName || nativeName === "ByteA") base = "bytea";
      break;
    case "DateTime":
      if (!nativeName || nativeName === "Timestamp") base = `timestamp(${precision("3")}) without time zone`;
      else if (nativeName === "Timestamptz") base = `timestamp(${precision("3")}) with time zone`;
      else if (nativeName === "Date") base = "date";
      break;
  }
  if (base === undefined) {
    const native = nativeName ? ` @db.${nativeName}${nativeArgs.length ? `(${nativeArgs.join(",")})` : ""}` : "";
    return { unsupported: `${field.type}${native}` };
  }
  return base + suffix;
}

/** Prisma defaults computed by the client, which leave no DEFAULT in the database. */
const CLIENT_SIDE_DEFAULTS = new Set(["cuid", "uuid", "nanoid", "ulid"]);

type ExpectedDefault =
  | { kind: "none" }
  | { kind: "exact"; sql: string }
  | { kind: "pattern"; pattern: RegExp; describe: string }
  | { kind: "any" };

function expectedDefault(field: Field, table: string): ExpectedDefault {
  if (!field.hasDefaultValue || field.default === undefined) return { kind: "none" };
  const value = field.default;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const fn = value as { name: string; args: ReadonlyArray<string | number> };
    if (CLIENT_SIDE_DEFAULTS.has(fn.name)) return { kind: "none" };
    if (fn.name === "now") return { kind: "exact", sql: "CURRENT_TIMESTAMP" };
    if (fn.name === "autoincrement") {
      const sequence = `${table}_${columnOf(field)}_seq`;
      return {
        kind: "pattern",
        pattern: new RegExp(`^nextval\\('(?:public\\.)?"?${sequence}"?'::regclass\\)$`),
        describe: `nextval of sequence "${sequence}"`,
      };
    }
    return { kind: "any" }; // dbgenerated(...) and friends: PostgreSQL reprints the expression its own way.
  }
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  if (typeof value === "string" && field.type === "String" && !field.nativeType)
    return { kind: "exact", sql: `${quote(value)}::text` };
  if (typeof value === "string" && field.type === "Json") return { kind: "exact", sql: `${quote(value)}::jsonb` };
  if (typeof value === "boolean") return { kind: "exact", sql: String(value) };
  if (typeof value === "number" && field.type === "Int" && Number.isInteger(value) && value >= 0)
    return { kind: "exact", sql: String(value) };
  return { kind: "any" };
}

const PG_REFERENTIAL_ACTION: Record<string, string> = {
  a: "NoAction",
  r: "Restrict",
  c: "Cascade",
  n: "SetNull",
  d: "SetDefault",
};

// ---------------------------------------------------------------------------
// What the database has

interface DbColumn {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
}
interface DbIndex {
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  method: string;
  predicate: string | null;
  key_count: number;
  columns: Array<string | null>;
  descending: boolean[];
  definition: string;
}
interface DbConstraint {
  table: string;
  name: string;
  type: string;
  definition: string;
  columns: string[];
  foreign_table: string | null;
  foreign_columns: string[] | null;
  on_delete: string;
  on_update: string;
}
interface DatabaseSnapshot {
  tables: Map<string, string>;
  columns: DbColumn[];
  indexes: DbIndex[];
  constraints: DbConstraint[];
  enums: Map<string, string[]>;
}

async function describeDatabase(pool: pg.Pool): Promise<DatabaseSnapshot> {
  const inSchema = `n.nspname = current_schema()`;
  const tables = await pool.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${inSchema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
  );
  const columns = await pool.query<DbColumn>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default,
            a.attidentity::text AS identity, a.attgenerated::text AS generated
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${inSchema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
  );
  const indexes = await pool.query<DbIndex>(
    `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
            am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate, x.indnkeyatts::int AS key_count,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ARRAY(SELECT (o & 1) = 1 FROM unnest(x.indoption::int2[]) WITH ORDINALITY k(o, ord) ORDER BY k.ord) AS descending,
            pg_get_indexdef(x.indexrelid) AS definition
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
     WHERE ${inSchema}
     ORDER BY t.relname, i.relname`,
  );
  const constraints = await pool.query<DbConstraint>(
    `SELECT t.relname AS table, con.conname AS name, con.contype::text AS type, pg_get_constraintdef(con.oid) AS definition,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
            ft.relname AS foreign_table,
            CASE WHEN con.contype = 'f' THEN ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) END AS foreign_columns,
            con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
     FROM pg_constraint con
     JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     LEFT JOIN pg_class ft ON ft.oid = con.confrelid
     WHERE ${inSchema} AND con.contype <> 'n'
     ORDER BY t.relname, con.conname`,
  );
  const enums = await pool.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${inSchema} AND t.typtype = 'e'`,
  );
  return {
    tables: new Map(tables.rows.map((row) => [row.name, row.kind])),
    columns: columns.rows,
    indexes: indexes.rows,
    constraints: constraints.rows,
    enums: new Map(enums.rows.map((row) => [row.name, row.labels])),
  };
}

// ---------------------------------------------------------------------------
// The comparison: one plain sentence per difference

const list = (items: ReadonlyArray<string | null>) => `(${items.map((item) => item ?? "<expression>").join(", ")})`;

function findDrift(datamodel: Datamodel, db: DatabaseSnapshot): string[] {
  const drift: string[] = [];
  const modelTables = new Set(datamodel.models.map(tableOf));
  const accountedIndexes = new Set<string>();
  const accountedConstraints = new Set<string>();
  const key = (table: string, name: string) => `${table}.${name}`;

  for (const [table, kind] of db.tables) {
    if (!modelTables.has(table) && !KNOWN_EXTRA_TABLES.has(table)) {
      drift.push(`table "${table}" (relkind ${kind}) exists in the database but no model in schema.prisma declares it`);
    } else if (modelTables.has(table) && kind !== "r") {
      drift.push(`table "${table}" is relkind ${kind} in the database, expected an ordinary table`);
    }
  }
  for (const table of KNOWN_EXTRA_TABLES) {
    if (!db.tables.has(table)) drift.push(`table "${table}" is missing`);
  }

  for (const enumeration of datamodel.enums) {
    const name = enumeration.dbName ?? enumeration.name;
    const expected = enumeration.values.map((value) => value.dbName ?? value.name);
    const actual = db.enums.get(name);
    if (!actual) drift.push(`enum type "${name}" (enum ${enumeration.name}) is missing`);
    else if (actual.join(",") !== expected.join(","))
      drift.push(`enum type "${name}" has values ${list(actual)}, schema.prisma declares ${list(expected)}`);
  }
  for (const name of db.enums.keys()) {
    if (!datamodel.enums.some((e) => (e.dbName ?? e.name) === name))
      drift.push(`enum type "${name}" exists in the database but schema.prisma does not declare it`);
  }

  for (const model of datamodel.models) {
    const table = tableOf(model);
    if (!db.tables.has(table)) {
      drift.push(`table "${table}" (model ${model.name}) is missing`);
      continue;
    }
    const fieldsByName = new Map(model.fields.map((field) => [field.name, field]));
    const col = (fieldName: string) => {
      const field = fieldsByName.get(fieldName);
      return field ? columnOf(field) : fieldName;
    };

    // Columns
    const dbColumns = new Map(db.columns.filter((c) => c.table === table).map((c) => [c.column, c]));
    const scalarFields = model.fields.filter(
      (field) => field.kind === "scalar" || field.kind === "enum" || field.kind === "unsupported",
    );
    for (const field of scalarFields) {
      const name = columnOf(field);
      const where = `column "${table}"."${name}" (${model.name}.${field.name})`;
      const column = dbColumns.get(name);
      if (!column) {
        drift.push(`${where} is missing`);
        continue;
      }
      const type = expectedType(field, datamodel);
      if (typeof type !== "string")
        drift.push(`${where}: this test has no mapping for ${type.unsupported}; extend expectedType()`);
      else if (column.type !== type) drift.push(`${where} has type ${column.type}, expected ${type}`);
      const expectNotNull = field.isRequired && !field.isList;
      if (column.not_null !== expectNotNull) {
        drift.push(
          `${where} is ${column.not_null ? "NOT NULL" : "nullable"}, expected ${expectNotNull ? "NOT NULL" : "nullable"}`,
        );
      }
      const dflt = expectedDefault(field, table);
      if (dflt.kind === "none" && column.default !== null)
        drift.push(`${where} has DEFAULT ${column.default}, schema.prisma declares no database default`);
      if (dflt.kind !== "none" && column.default === null)
        drift.push(`${where} has no DEFAULT, schema.prisma declares @default`);
      if (dflt.kind === "exact" && column.default !== null && column.default !== dflt.sql)
        drift.push(`${where} has DEFAULT ${column.default}, expected ${dflt.sql}`);
      if (dflt.kind === "pattern" && column.default !== null && !dflt.pattern.test(column.default))
        drift.push(`${where} has DEFAULT ${column.default}, expected ${dflt.describe}`);
      if (column.identity !== "")
        drift.push(`${where} is an identity column (${column.identity}), which schema.prisma cannot declare`);
      if (column.generated !== "") drift.push(`${where} is a generated column, which schema.prisma cannot declare`);
    }
    const declared = new Set(scalarFields.map(columnOf));
    for (const [column, details] of dbColumns) {
      const extra = KNOWN_EXTRA_COLUMNS[`${table}.${column}`];
      if (extra && !declared.has(column)) {
        if (details.type !== extra.type || details.not_null !== extra.notNull)
          drift.push(
            `known extra column "${table}"."${column}" is ${details.type} ${details.not_null ? "NOT NULL" : "nullable"}`,
          );
        continue;
      }
      if (!declared.has(column))
        drift.push(`column "${table}"."${column}" exists in the database but model ${model.name} does not declare it`);
    }

    const dbIndexes = new Map(db.indexes.filter((index) => index.table === table).map((index) => [index.name, index]));
    const dbConstraints = db.constraints.filter((c) => c.table === table);

    // Primary key
    const pkFields = model.primaryKey?.fields ?? model.fields.filter((field) => field.isId).map((field) => field.name);
    const pkIndex = datamodel.indexes.find((index) => index.model === model.name && index.type === "id");
    const pkColumns = pkFields.map(col);
    const primary = dbConstraints.find((c) => c.type === "p");
    if (pkColumns.length === 0) {
      if (primary)
        drift.push(
          `table "${table}" has primary key "${primary.name}" ${list(primary.columns)}, model ${model.name} declares none`,
        );
    } else {
      const name = pkIndex?.dbName ?? defaultName.primaryKey(table);
      if (!primary) drift.push(`table "${table}" has no primary key, expected "${name}" ${list(pkColumns)}`);
      else {
        accountedConstraints.add(key(table, primary.name));
        accountedIndexes.add(key(table, primary.name));
        if (primary.name !== name)
          drift.push(`primary key of "${table}" is named "${primary.name}", expected "${name}"`);
        if (primary.columns.join(",") !== pkColumns.join(","))
          drift.push(`primary key "${primary.name}" is on ${list(primary.columns)}, expected ${list(pkColumns)}`);
      }
    }

    // @@unique / @unique / @@index
    for (const index of datamodel.indexes.filter((i) => i.model === model.name && i.type !== "id")) {
      const columns = index.fields.map((f) => col(f.name));
      if (index.type === "fulltext") {
        drift.push(
          `@@fulltext on ${model.name} ${list(columns)}: PostgreSQL has no such index; this test cannot check it`,
        );
        continue;
      }
      const unique = index.type === "unique";
      const name = index.dbName ?? defaultName.index(table, columns, unique ? "_key" : "_idx");
      const what = `${unique ? "unique index" : "index"} "${name}" on "${table}" ${list(columns)}`;
      const actual = dbIndexes.get(name);
      if (!actual) {
        const sameColumns = [...dbIndexes.values()].find(
          (i) => i.columns.join(",") === columns.join(",") && !i.primary,
        );
        drift.push(
          `${what} is missing${sameColumns ? ` (an index on these columns is named "${sameColumns.name}")` : ""}`,
        );
        continue;
      }
      accountedIndexes.add(key(table, name));
      if (actual.unique !== unique) drift.push(`${what} is ${actual.unique ? "UNIQUE" : "not UNIQUE"} in the database`);
      if (actual.columns.join(",") !== columns.join(","))
        drift.push(`${what} is on ${list(actual.columns)} in the database`);
      if (actual.key_count !== actual.columns.length)
        drift.push(`${what} has INCLUDE columns in the database: ${actual.definition}`);
      const expectedDescending = index.fields.map((f) => f.sortOrder === "desc");
      if (actual.descending.join(",") !== expectedDescending.join(","))
        drift.push(`${what} has different sort orders in the database: ${actual.definition}`);
      const method = (index.algorithm ?? "BTree").toLowerCase();
      if (actual.method !== method) drift.push(`${what} uses ${actual.method} in the database, expected ${method}`);
      if (actual.predicate !== null) drift.push(`${what} is partial (WHERE ${actual.predicate}) in the database`);
      const constraint = dbConstraints.find((c) => c.name === name && c.type === "u");
      if (constraint) accountedConstraints.add(key(table, constraint.name));
    }

    // Foreign keys (declared on the side that holds the fields)
    for (const field of model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0)) {
      const columns = field.relationFromFields!.map(col);
      const target = datamodel.models.find((m) => m.name === field.type)!;
      const targetTable = tableOf(target);
      const targetColumns = field.relationToFields!.map((name) =>
        columnOf(target.fields.find((f) => f.name === name)!),
      );
      const name = defaultName.index(table, columns, "_fkey");
      const required = field.relationFromFields!.every((from) => fieldsByName.get(from)?.isRequired);
      const onDelete = field.relationOnDelete ?? (required ? "Restrict" : "SetNull");
      const onUpdate = field.relationOnUpdate ?? "Cascade";
      const what = `foreign key "${name}" ${list(columns)} -> "${targetTable}" ${list(targetColumns)} (${model.name}.${field.name})`;
      const actual = dbConstraints.find((c) => c.type === "f" && c.name === name);
      if (!actual) {
        drift.push(`${what} is missing`);
        continue;
      }
      accountedConstraints.add(key(table, name));
      if (actual.columns.join(",") !== columns.join(","))
        drift.push(`${what} is on ${list(actual.columns)} in the database`);
      if (actual.foreign_table !== targetTable || actual.foreign_columns?.join(",") !== targetColumns.join(",")) {
        drift.push(
          `${what} references "${actual.foreign_table}" ${list(actual.foreign_columns ?? [])} in the database`,
        );
      }
      const dbOnDelete = PG_REFERENTIAL_ACTION[actual.on_delete] ?? actual.on_delete;
      const dbOnUpdate = PG_REFERENTIAL_ACTION[actual.on_update] ?? actual.on_update;
      if (dbOnDelete !== onDelete)
        drift.push(`${what} has ON DELETE ${dbOnDelete} in the database, expected ${onDelete}`);
      if (dbOnUpdate !== onUpdate)
        drift.push(`${what} has ON UPDATE ${dbOnUpdate} in the database, expected ${onUpdate}`);
    }
  }

  // Known extras must exist exactly as written...
  for (const [name, extra] of Object.entries(KNOWN_EXTRA_INDEXES)) {
    const actual = db.indexes.find((index) => index.table === extra.table && index.name === name);
    if (!actual) {
      drift.push(`known extra index "${name}" on "${extra.table}" is missing`);
      continue;
    }
    accountedIndexes.add(key(extra.table, name));
    const shape = (i: {
      unique: boolean;
      columns: ReadonlyArray<string | null>;
      method: string;
      predicate: string | null;
    }) => `${i.unique ? "UNIQUE " : ""}${i.method} ${list(i.columns)}${i.predicate ? ` WHERE ${i.predicate}` : ""}`;
    if (shape(actual) !== shape(extra))
      drift.push(`known extra index "${name}" is ${shape(actual)} in the database, expected ${shape(extra)}`);
  }
  for (const [name, check] of Object.entries(KNOWN_CHECKS)) {
    const actual = db.constraints.find((c) => c.table === check.table && c.name === name && c.type === "c");
    if (!actual) {
      drift.push(`known CHECK constraint "${name}" on "${check.table}" is missing`);
      continue;
    }
    accountedConstraints.add(key(check.table, name));
    if (actual.definition !== check.definition)
      drift.push(
        `known CHECK constraint "${name}" is ${actual.definition} in the database, expected ${check.definition}`,
      );
  }

  // ...and nothing else may exist on the model tables.
  for (const index of db.indexes) {
    if (!modelTables.has(index.table) || accountedIndexes.has(key(index.table, index.name))) continue;
    drift.push(
      `index "${index.name}" on "${index.table}" is not declared in schema.prisma nor listed in KNOWN_EXTRA_INDEXES: ${index.definition}`,
    );
  }
  const kinds: Record<string, string> = {
    p: "primary key",
    u: "unique constraint",
    f: "foreign key",
    c: "CHECK constraint",
    x: "exclusion constraint",
    t: "constraint trigger",
  };
  for (const constraint of db.constraints) {
    if (!modelTables.has(constraint.table) || accountedConstraints.has(key(constraint.table, constraint.name)))
      continue;
    drift.push(
      `${kinds[constraint.type] ?? `constraint (type ${constraint.type})`} "${constraint.name}" on "${constraint.table}" is not declared in schema.prisma nor listed as a known extra: ${constraint.definition}`,
    );
  }
  return drift;
}

// ---------------------------------------------------------------------------

describe("the migrated database matches prisma/schema.prisma", () => {
  let datamodel: Datamodel;
  let db: TestDatabase;

  beforeAll(async () => {
    datamodel = await loadDatamodel();
    db = await createTestDatabase({ poolSize: 2 });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it("parses the schema with Prisma's own parser", () => {
    // Guards against a comparison that passes because it compared nothing.
    expect(datamodel.models.map((model) => model.name)).toEqual(
      expect.arrayContaining([
        "InventoryHold",
        "InventoryHoldItem",
        "InventoryItem",
        "ProcessedWebhookEvent",
        "StockAlertState",
        "StockLedgerEntry",
      ]),
    );
    expect(datamodel.indexes.length).toBeGreaterThan(datamodel.models.length);
  });

  it("has every table, column, type, nullability, default, key, index and foreign key the schema declares, and nothing else", async () => {
    const snapshot = await describeDatabase(db.pool);
    expect(snapshot.columns.length).toBeGreaterThan(40);
    expect(findDrift(datamodel, snapshot)).toEqual([]);
  });

  it("runs exactly the SQL functions of prisma/functions, one file per function", async () => {
    const files = await readSqlFunctionFiles(FUNCTIONS_DIR);
    expect(files.length).toBeGreaterThan(10);
    const client = await db.pool.connect();
    try {
      expect(await sqlFunctionDrift(client, files)).toEqual({ withoutFile: [], notInDatabase: [], changed: [] });
      // The comparison sees a changed body, a new function and a missing file (so a pass means something).
      const [first, ...rest] = files;
      const edited = { ...first!, sql: first!.sql.replace(/\$function\$\n/, "$function$\n-- edited\n") };
      const added = {
        name: "inventory_drift_probe",
        file: "",
        sql: "CREATE OR REPLACE FUNCTION public.inventory_drift_probe() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
      };
      expect(await sqlFunctionDrift(client, [edited, ...rest.slice(1), added])).toEqual({
        withoutFile: [rest[0]!.name],
        notInDatabase: ["inventory_drift_probe"],
        changed: [first!.name],
      });
      // The probe ran inside a rolled-back transaction: nothing changed.
      expect(await sqlFunctionDrift(client, files)).toEqual({ withoutFile: [], notInDatabase: [], changed: [] });
    } finally {
      client.release();
    }
  });

  it("reports each kind of drift in a sentence that names it", async () => {
    const drifted = await createTestDatabase({ poolSize: 1 });
    try {
      const before = findDrift(datamodel, await describeDatabase(drifted.pool));
      await drifted.pool.query(`
        ALTER TABLE "InventoryItem" ALTER COLUMN "lowStockThreshold" SET NOT NULL;
        ALTER TABLE "InventoryItem" ALTER COLUMN "updatedAt" SET DEFAULT CURRENT_TIMESTAMP;
        ALTER TABLE "InventoryItem" ADD COLUMN "notes" text;
        ALTER TABLE "StockLedgerEntry" ALTER COLUMN "delta" TYPE bigint;
        ALTER TABLE "InventoryHold" ALTER COLUMN "expiresAt" TYPE timestamp(3);
        ALTER TABLE "InventoryHold" ALTER COLUMN "releasedAt" TYPE timestamptz(6);
        ALTER TABLE "ProcessedWebhookEvent" ALTER COLUMN "provider" DROP DEFAULT;
        ALTER TABLE "ProcessedWebhookEvent" ALTER COLUMN "type" SET DEFAULT 'x';
        ALTER TABLE "StockAlertState" RENAME COLUMN "lastAvailable" TO "last_available";
        ALTER TABLE "StockAlertState" DROP CONSTRAINT "StockAlertState_pkey";
        ALTER TABLE "StockAlertState" ADD CONSTRAINT "StockAlertState_pkey" PRIMARY KEY ("sku", "shopId", "variantKey");
        DROP INDEX "InventoryHold_expiresAt_idx";
        DROP INDEX "InventoryHold_shopId_idempotencyKey_key";
        CREATE INDEX "InventoryHold_shopId_idempotencyKey_key" ON "InventoryHold"("shopId", "idempotencyKey");
        DROP INDEX "StockLedgerEntry_shopId_createdAt_idx";
        CREATE INDEX "StockLedgerEntry_shopId_createdAt_idx" ON "StockLedgerEntry"("createdAt", "shopId");
        ALTER INDEX "InventoryHoldItem_holdId_idx" RENAME TO "hold_items_by_hold";
        CREATE INDEX "StockLedgerEntry_holdId_idx" ON "StockLedgerEntry"("holdId");
        DROP INDEX "InventoryHold_active_expiresAt_idx";
        CREATE INDEX "InventoryHold_active_expiresAt_idx" ON "InventoryHold"("shopId", "expiresAt");
        ALTER TABLE "InventoryHoldItem" DROP CONSTRAINT "InventoryHoldItem_holdId_fkey";
        ALTER TABLE "InventoryHoldItem" ADD CONSTRAINT "InventoryHoldItem_holdId_fkey" FOREIGN KEY ("holdId") REFERENCES "InventoryHold"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
        ALTER TABLE "InventoryHoldItem" DROP CONSTRAINT "InventoryHoldItem_quantity_positive";
        ALTER TABLE "InventoryItem" DROP CONSTRAINT "InventoryItem_version_positive";
        ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_version_positive" CHECK ("version" >= 0);
        ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_productId_nonempty" CHECK (length("productId") > 0);
        CREATE TABLE "Stray" ("id" integer);
      `);
      const after = findDrift(datamodel, await describeDatabase(drifted.pool));
      expect(after.filter((message) => !before.includes(message)).sort()).toEqual(
        [
          `table "Stray" (relkind r) exists in the database but no model in schema.prisma declares it`,
          `column "InventoryItem"."lowStockThreshold" (InventoryItem.lowStockThreshold) is NOT NULL, expected nullable`,
          `column "InventoryItem"."updatedAt" (InventoryItem.updatedAt) has DEFAULT CURRENT_TIMESTAMP, schema.prisma declares no database default`,
          `column "InventoryItem"."notes" exists in the database but model InventoryItem does not declare it`,
          `column "StockLedgerEntry"."delta" (StockLedgerEntry.delta) has type bigint, expected integer`,
          `column "InventoryHold"."expiresAt" (InventoryHold.expiresAt) has type timestamp(3) without time zone, expected timestamp(3) with time zone`,
          `column "InventoryHold"."releasedAt" (InventoryHold.releasedAt) has type timestamp(6) with time zone, expected timestamp(3) with time zone`,
          `column "ProcessedWebhookEvent"."provider" (ProcessedWebhookEvent.provider) has no DEFAULT, schema.prisma declares @default`,
          `column "ProcessedWebhookEvent"."type" (ProcessedWebhookEvent.type) has DEFAULT 'x'::text, schema.prisma declares no database default`,
          `column "StockAlertState"."lastAvailable" (StockAlertState.lastAvailable) is missing`,
          `column "StockAlertState"."last_available" exists in the database but model StockAlertState does not declare it`,
          `primary key "StockAlertState_pkey" is on (sku, shopId, variantKey), expected (shopId, sku, variantKey)`,
          `index "InventoryHold_expiresAt_idx" on "InventoryHold" (expiresAt) is missing`,
          `unique index "InventoryHold_shopId_idempotencyKey_key" on "InventoryHold" (shopId, idempotencyKey) is not UNIQUE in the database`,
          `index "StockLedgerEntry_shopId_createdAt_idx" on "StockLedgerEntry" (shopId, createdAt) is on (createdAt, shopId) in the database`,
          `index "InventoryHoldItem_holdId_idx" on "InventoryHoldItem" (holdId) is missing (an index on these columns is named "hold_items_by_hold")`,
          `index "hold_items_by_hold" on "InventoryHoldItem" is not declared in schema.prisma nor listed in KNOWN_EXTRA_INDEXES: CREATE INDEX hold_items_by_hold ON public."InventoryHoldItem" USING btree ("holdId")`,
          `index "StockLedgerEntry_holdId_idx" on "StockLedgerEntry" is not declared in schema.prisma nor listed in KNOWN_EXTRA_INDEXES: CREATE INDEX "StockLedgerEntry_holdId_idx" ON public."StockLedgerEntry" USING btree ("holdId")`,
          `known extra index "InventoryHold_active_expiresAt_idx" is btree (shopId, expiresAt) in the database, expected btree (shopId, expiresAt) WHERE (status = 'active'::text)`,
          `foreign key "InventoryHoldItem_holdId_fkey" (holdId) -> "InventoryHold" (id) (InventoryHoldItem.hold) has ON DELETE Restrict in the database, expected Cascade`,
          `known CHECK constraint "InventoryHoldItem_quantity_positive" on "InventoryHoldItem" is missing`,
          `known CHECK constraint "InventoryItem_version_positive" is CHECK ((version >= 0)) in the database, expected CHECK ((version >= 1))`,
          `CHECK constraint "InventoryItem_productId_nonempty" on "InventoryItem" is not declared in schema.prisma nor listed as a known extra: CHECK ((length("productId") > 0))`,
        ].sort(),
      );
    } finally {
      await drifted.destroy();
    }
  });

  describe("CHECK constraints reject what the schema language cannot forbid (SQLSTATE 23514)", () => {
    const item = (values: {
      sku?: string;
      quantity: number;
      reserved?: number;
      lowStockThreshold?: number | null;
      purchaseLimit?: number | null;
      version?: number;
    }) =>
      db.pool.query(
        `INSERT INTO "InventoryItem" ("shopId", sku, "productId", quantity, reserved, "lowStockThreshold", "purchaseLimit", version, "updatedAt")
         VALUES ('shop-check', $1, 'product-1', $2, $3, $4, $5, $6, now())`,
        [
          values.sku ?? `sku-${Math.random()}`,
          values.quantity,
          values.reserved ?? 0,
          values.lowStockThreshold ?? null,
          values.purchaseLimit ?? null,
          values.version ?? 1,
        ],
      );
    const hold = (id: string, status: string) =>
      db.pool.query(
        `INSERT INTO "InventoryHold" (id, "shopId", status, "expiresAt", "updatedAt") VALUES ($1, 'shop-check', $2, now() + interval '15 minutes', now())`,
        [id, status],
      );
    const holdItem = (holdId: string, quantity: number) =>
      db.pool.query(
        `INSERT INTO "InventoryHoldItem" (id, "holdId", "shopId", sku, "productId", "variantKey", "variantAttributes", quantity)
         VALUES ($1, $2, 'shop-check', 'sku-1', 'product-1', '', '{}', $3)`,
        [`item-${Math.random()}`, holdId, quantity],
      );
    const ledger = (quantityAfter: number) =>
      db.pool.query(
        `INSERT INTO "StockLedgerEntry" ("shopId", sku, "variantKey", delta, "quantityAfter", reason, actor)
         VALUES ('shop-check', 'sku-1', '', -1, $1, 'sale', 'test')`,
        [quantityAfter],
      );

    const location = (values: { code?: string; kind?: string; priority?: number }) =>
      db.pool.query(
        `INSERT INTO "StockLocation" ("shopId", code, name, kind, priority, "updatedAt") VALUES ('shop-check', $1, 'Store', $2, $3, now())`,
        [
          values.code ?? `loc-${Math.random().toString(36).slice(2, 10)}`,
          values.kind ?? "store",
          values.priority ?? 100,
        ],
      );
    // The level's variant and location exist (the valid case below creates them); a CHECK fails before the keys.
    const level = (values: { quantity: number; reserved?: number; incoming?: number }) =>
      db.pool.query(
        `INSERT INTO "InventoryLevel" ("shopId", sku, "variantKey", location, quantity, reserved, incoming)
         VALUES ('shop-check', 'sku-level', '', 'check-store', $1, $2, $3)`,
        [values.quantity, values.reserved ?? 0, values.incoming ?? 0],
      );
    const transfer = (values: { from?: string; to?: string; status?: string }) =>
      db.pool.query(
        `INSERT INTO "StockTransfer" (id, "shopId", "fromLocation", "toLocation", status, lines, actor)
         VALUES ($1, 'shop-check', $2, $3, $4, '[]', 'test')`,
        [`tr-${Math.random()}`, values.from ?? "main", values.to ?? "check-store", values.status ?? "in_transit"],
      );
    const allocationPolicy = (strategy: string) =>
      db.pool.query(
        `INSERT INTO "ShopAllocationPolicy" ("shopId", strategy, "updatedBy", "updatedAt") VALUES ($1, $2, 'test', now())`,
        [`shop-${Math.random()}`, strategy],
      );

    it("accepts valid rows (so the rejections below are the CHECKs, not a broken insert)", async () => {
      await item({ quantity: 5, reserved: 5, lowStockThreshold: 0, purchaseLimit: 1 });
      await hold("hold-valid", "active");
      await holdItem("hold-valid", 1);
      await ledger(0);
      await item({ sku: "sku-level", quantity: 0 });
      await location({ code: "check-store", kind: "store", priority: 0 });
      await level({ quantity: 3, reserved: 3, incoming: 2 });
      await transfer({ status: "received" });
      await allocationPolicy("priority");
    });

    const cases: Array<[string, string, () => Promise<unknown>]> = [
      ["quantity -1", "InventoryItem_quantity_nonnegative", () => item({ quantity: -1 })],
      ["reserved -1", "InventoryItem_reserved_nonnegative", () => item({ quantity: 5, reserved: -1 })],
      ["reserved > quantity", "InventoryItem_reserved_within_quantity", () => item({ quantity: 2, reserved: 3 })],
      [
        "lowStockThreshold -1",
        "InventoryItem_low_stock_threshold_nonnegative",
        () => item({ quantity: 1, lowStockThreshold: -1 }),
      ],
      ["purchaseLimit 0", "InventoryItem_purchase_limit_positive", () => item({ quantity: 1, purchaseLimit: 0 })],
      ["version 0", "InventoryItem_version_positive", () => item({ quantity: 1, version: 0 })],
      ["empty sku", "InventoryItem_sku_nonempty", () => item({ sku: "", quantity: 1 })],
      ["ledger quantityAfter -1", "StockLedgerEntry_quantity_after_nonnegative", () => ledger(-1)],
      ["hold status 'bogus'", "InventoryHold_status_known", () => hold("hold-bogus", "bogus")],
      [
        "hold item quantity 0",
        "InventoryHoldItem_quantity_positive",
        async () => {
          await hold("hold-for-zero", "active");
          return holdItem("hold-for-zero", 0);
        },
      ],
      [
        "operator role 'owner'",
        "Operator_role_known",
        () =>
          db.pool.query(
            `INSERT INTO "Operator" (id, email, name, "passwordHash", role, "updatedAt") VALUES ('op-1', 'a@b.test', 'A', 'x', 'owner', now())`,
          ),
      ],
      [
        "operator email with capitals",
        "Operator_email_lowercase",
        () =>
          db.pool.query(
            `INSERT INTO "Operator" (id, email, name, "passwordHash", role, "updatedAt") VALUES ('op-2', 'A@b.test', 'A', 'x', 'viewer', now())`,
          ),
      ],
      [
        "ops alert severity 'panic'",
        "OpsAlert_severity_known",
        () => db.pool.query(`INSERT INTO "OpsAlert" (severity, kind, message) VALUES ('panic', 'test', 'x')`),
      ],
      [
        "stock alert crossing status 'lost'",
        "StockAlertCrossing_status_known",
        () =>
          db.pool.query(
            `INSERT INTO "StockAlertCrossing" ("shopId", sku, "variantKey", available, threshold, "crossedAt", status) VALUES ('s', 'k', '', 0, 1, now(), 'lost')`,
          ),
      ],
      ...(
        [
          ["maxActiveHoldsPerClient 0", "ShopHoldPolicy_max_active_holds_positive", 0, 1, 300],
          ["maxHeldUnitsPerClient 0", "ShopHoldPolicy_max_held_units_positive", 1, 0, 300],
          ["unopenedHoldSeconds 59", "ShopHoldPolicy_unopened_hold_seconds_range", 1, 1, 59],
        ] as const
      ).map(([label, constraint, holds, units, seconds]): [string, string, () => Promise<unknown>] => [
        label,
        constraint,
        () =>
          db.pool.query(
            `INSERT INTO "ShopHoldPolicy" ("shopId", "maxActiveHoldsPerClient", "maxHeldUnitsPerClient", "unopenedHoldSeconds", "updatedBy", "updatedAt") VALUES ('s', $1, $2, $3, 't', now())`,
            [holds, units, seconds],
          ),
      ]),
      ...(
        [
          ["session request state 'lost'", "CheckoutSessionRequest_state_check", "lost", null],
          ["ready session request without a session", "CheckoutSessionRequest_ready_has_session", "ready", null],
        ] as const
      ).map(([label, constraint, state, sessionId]): [string, string, () => Promise<unknown>] => [
        label,
        constraint,
        () =>
          db.pool.query(
            `INSERT INTO "CheckoutSessionRequest" ("shopId", "holdId", state, params, "stripeIdempotencyKey", "sessionId", "sessionExpiresAt", "prepareBy", "nextAttemptAt", "createdAt", "updatedAt")
             VALUES ('s', 'h', $1, '{}', 'k', $2, now(), now(), now(), now(), now())`,
            [state, sessionId],
          ),
      ]),
      ["location code 'Main'", "StockLocation_code_format", () => location({ code: "Main" })],
      ["location kind 'shed'", "StockLocation_kind_known", () => location({ kind: "shed" })],
      ["location priority -1", "StockLocation_priority_range", () => location({ priority: -1 })],
      ["level quantity -1", "InventoryLevel_quantity_nonnegative", () => level({ quantity: -1 })],
      ["level reserved -1", "InventoryLevel_reserved_nonnegative", () => level({ quantity: 1, reserved: -1 })],
      [
        "level reserved > quantity",
        "InventoryLevel_reserved_within_quantity",
        () => level({ quantity: 2, reserved: 3 }),
      ],
      ["level incoming -1", "InventoryLevel_incoming_nonnegative", () => level({ quantity: 1, incoming: -1 })],
      ["transfer status 'lost'", "StockTransfer_status_known", () => transfer({ status: "lost" })],
      ["transfer from main to main", "StockTransfer_distinct_locations", () => transfer({ from: "main", to: "main" })],
      ["allocation strategy 'nearest'", "ShopAllocationPolicy_strategy_known", () => allocationPolicy("nearest")],
      [
        "return policy 'maybe'",
        "ShopReturnPolicy_policy_known",
        () =>
          db.pool.query(
            `INSERT INTO "ShopReturnPolicy" ("shopId", policy, "updatedBy", "updatedAt") VALUES ('s', 'maybe', 'a', now())`,
          ),
      ],
      [
        "stock return status 'lost'",
        "StockReturn_status_known",
        () =>
          db.pool.query(
            `INSERT INTO "StockReturn" ("refundId", "shopId", "sessionId", amount, currency, status, lines, "updatedAt") VALUES ('re_1', 's', 'cs_1', 1, 'eur', 'lost', '[]', now())`,
          ),
      ],
      [
        "stock return mapping 'guessed'",
        "StockReturn_mapping_known",
        () =>
          db.pool.query(
            `INSERT INTO "StockReturn" ("refundId", "shopId", "sessionId", amount, currency, status, mapping, lines, "updatedAt") VALUES ('re_1', 's', 'cs_1', 1, 'eur', 'pending', 'guessed', '[]', now())`,
          ),
      ],
      ...(["source", "channel", "outcome"] as const).map((column): [string, string, () => Promise<unknown>] => [
        `alert delivery ${column} 'bogus'`,
        `AlertDelivery_${column}_known`,
        () => {
          const row = { source: "stock", channel: "email", outcome: "sent", [column]: "bogus" };
          return db.pool.query(
            `INSERT INTO "AlertDelivery" (source, "sourceId", channel, target, attempt, outcome) VALUES ($1, '1', $2, 't', 1, $3)`,
            [row.source, row.channel, row.outcome],
          );
        },
      ]),
    ];
    it.each(cases)("rejects %s (%s)", async (_label, constraint, insert) => {
      const error = await insert().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, "the insert should have been rejected").toBeInstanceOf(pg.DatabaseError);
      expect(error).toMatchObject({ code: "23514", constraint });
    });

    it("covers every known CHECK constraint", () => {
      expect(cases.map(([, constraint]) => constraint).sort()).toEqual(Object.keys(KNOWN_CHECKS).sort());
    });
  });
});
