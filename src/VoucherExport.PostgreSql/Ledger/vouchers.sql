-- The voucher directory beside the ledger: codes and ids resolved on create, campaigns found by id or name.
-- {schema} and {table} are replaced by quoted identifiers, {name} by the bare table name. Every statement is
-- idempotent. A user with a schema of their own may instead create a VIEW of this name with these five columns;
-- the indexes below are then skipped (an index belongs on the user's own tables).
CREATE SCHEMA IF NOT EXISTS {schema};

CREATE TABLE IF NOT EXISTS {schema}.{table} (
    id          text COLLATE "C" NOT NULL,   -- v_…
    code        text COLLATE "C" NOT NULL,   -- unique within a project in Voucherify
    campaign_id text COLLATE "C",            -- camp_…, or null for a voucher outside any campaign
    campaign    text COLLATE "C",            -- the campaign's name (Voucherify's voucher field "campaign")
    type        text COLLATE "C" NOT NULL,   -- GIFT_VOUCHER, LOYALTY_CARD, DISCOUNT_VOUCHER
    CONSTRAINT {name}_pkey PRIMARY KEY (id)
);

DO $$
BEGIN
    IF (SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{name_schema}' AND c.relname = '{name}') IN ('r', 'p') THEN
        CREATE UNIQUE INDEX IF NOT EXISTS {name}_code ON {schema}.{table} (code);
        CREATE INDEX IF NOT EXISTS {name}_campaign_id ON {schema}.{table} (campaign_id);
        CREATE INDEX IF NOT EXISTS {name}_campaign ON {schema}.{table} (campaign);
    END IF;
END
$$;
