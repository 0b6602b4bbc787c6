-- Revoked OAuth tokens, beside the export registry. {schema} and {table} are replaced by quoted identifiers; {name} by the
-- bare table name (index names). Only a SHA-256 hash of each token's random id is stored, never the token; a row is
-- useless once the token has expired and is purged after expires_at. Every statement is idempotent.
CREATE SCHEMA IF NOT EXISTS {schema};

CREATE TABLE IF NOT EXISTS {schema}.{table} (
    token_id_sha256 bytea PRIMARY KEY CHECK (octet_length(token_id_sha256) = 32),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS {name}_expires_at ON {schema}.{table} (expires_at);
