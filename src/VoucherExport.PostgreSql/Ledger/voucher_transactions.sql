-- The ledger table of the PostgreSQL transaction source. {schema} and {table} are replaced by quoted identifiers;
-- {name} by the bare table name (index names). Every statement is idempotent.
CREATE SCHEMA IF NOT EXISTS {schema};

-- Text columns use the "C" collation: byte order is the export's ordinal id tie-break, equality and LIKE are
-- byte-exact, and prefix LIKE can use the indexes.
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    id                     text COLLATE "C" NOT NULL,
    source_id              text COLLATE "C",
    voucher_id             text COLLATE "C",
    campaign_id            text COLLATE "C",
    source                 text COLLATE "C",
    reason                 text COLLATE "C",
    type                   text COLLATE "C" NOT NULL,
    details                jsonb,
    related_transaction_id text COLLATE "C",
    created_at             timestamptz NOT NULL,
    -- SPEC §3: amount is details.balance.amount (gift card) or details.balance.points (loyalty card); balance is
    -- details.balance.balance. Stored, so filters compare plain bigints and may use an index.
    amount  bigint GENERATED ALWAYS AS (
        COALESCE((details -> 'balance' ->> 'amount')::bigint, (details -> 'balance' ->> 'points')::bigint)) STORED,
    balance bigint GENERATED ALWAYS AS ((details -> 'balance' ->> 'balance')::bigint) STORED,
    CONSTRAINT {name}_pkey PRIMARY KEY (id)
);

-- A user with a schema of their own may instead create a VIEW of this name with these columns (amount and balance
-- included); the indexes below are then skipped.
DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{name_schema}' AND c.relname = '{name}') IN ('r', 'p') THEN
        -- The export order (created_at, id), both directions (a backward scan serves -created_at).
        CREATE INDEX IF NOT EXISTS {name}_created_at_id ON {schema}.{table} (created_at, id);
        -- The per-voucher and per-campaign exports: equality on the first column, then already in export order.
        CREATE INDEX IF NOT EXISTS {name}_voucher_created_at_id ON {schema}.{table} (voucher_id, created_at, id);
        CREATE INDEX IF NOT EXISTS {name}_campaign_created_at_id ON {schema}.{table} (campaign_id, created_at, id);
    END IF;
END
$$;
