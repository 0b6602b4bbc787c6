-- The durable export store of the registry. {schema} and {table} are replaced by quoted identifiers; {name} by the
-- bare table name (constraint and index names). Every statement is idempotent.
CREATE SCHEMA IF NOT EXISTS {schema};

CREATE TABLE IF NOT EXISTS {schema}.{table} (
    -- Creation order, the tie-break between exports created in the same millisecond (claims are first come, first served).
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    id               text COLLATE "C" NOT NULL,
    app_id           text COLLATE "C" NOT NULL,
    -- The truth about the status; the status inside "export" is rewritten only with a final state.
    status           text COLLATE "C" NOT NULL CHECK (status IN ('SCHEDULED', 'IN_PROGRESS', 'DONE', 'ERROR')),
    -- The export's created_at to the millisecond, as its JSON says it.
    created_at       timestamptz NOT NULL,
    -- The export object (SPEC §1) as ExportJson writes it.
    export           jsonb NOT NULL,
    -- The CSV dialect and chunk limits its files are written with.
    csv              jsonb NOT NULL,
    max_chunk_bytes  bigint NOT NULL,
    max_chunk_rows   bigint,
    -- The worker running it, and until when that worker's claim holds; a later claim may take it over.
    lease_owner      text,
    lease_expires_at timestamptz,
    -- Claims so far; with lease_owner it fences every write of a run (a taken-over run can no longer write).
    attempts         integer NOT NULL DEFAULT 0,
    -- The first claim: relative date filters of every attempt are evaluated against it, so a takeover gives the same bytes.
    started_at       timestamptz,
    progress_rows    bigint NOT NULL DEFAULT 0,
    progress_bytes   bigint NOT NULL DEFAULT 0,
    progress_chunks  integer NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT {name}_pkey PRIMARY KEY (id)
);

-- How its chunks are stored ('none' or 'gzip', and the zlib level). Added after the first release, so tables created
-- before it gain the columns here; the defaults describe every export those tables already hold.
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS chunk_compression text COLLATE "C" NOT NULL DEFAULT 'none'
    CHECK (chunk_compression IN ('none', 'gzip'));
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS chunk_compression_level integer NOT NULL DEFAULT 6;

-- What a running export is doing (ExportPhase: reading, sorting, merging, writing) and how far the phase has come
-- (ProgressUnit: rows or bytes), renewed with the lease, so every instance shows the same progress. Added later too.
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS progress_phase integer NOT NULL DEFAULT 3;
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS progress_phase_done bigint NOT NULL DEFAULT 0;
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS progress_phase_total bigint NOT NULL DEFAULT 0;
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS progress_phase_unit integer NOT NULL DEFAULT 0;

-- GET /v1/exports: one application's exports, newest first.
CREATE INDEX IF NOT EXISTS {name}_app_created ON {schema}.{table} (app_id, created_at DESC, id);
-- Claims: only exports that may still run, oldest first.
CREATE INDEX IF NOT EXISTS {name}_claimable ON {schema}.{table} (created_at, seq)
    WHERE status IN ('SCHEDULED', 'IN_PROGRESS');

-- The chunks each export committed, one row per chunk (issue 12): the row is the chunk's commit point. The next attempt of
-- the export keeps these chunks as stored and goes on after the last one's last record, (last_created_at, last_id).
-- Times are kept as round-trip text, since a chunk's created_at range may be finer than PostgreSQL's microseconds.
CREATE TABLE IF NOT EXISTS {schema}."{name}_chunks" (
    export_id          text COLLATE "C" NOT NULL,
    chunk_index        integer NOT NULL CHECK (chunk_index >= 1),
    name               text COLLATE "C" NOT NULL,
    rows               bigint NOT NULL,
    bytes              bigint NOT NULL,
    uncompressed_bytes bigint,
    sha256             text COLLATE "C" NOT NULL,
    first_created_at   text COLLATE "C",
    last_created_at    text COLLATE "C",
    last_id            text COLLATE "C",
    oversize           boolean NOT NULL,
    -- The claim that committed it, and when (the database's clock).
    attempt            integer NOT NULL,
    committed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT {name}_chunks_pkey PRIMARY KEY (export_id, chunk_index),
    CONSTRAINT {name}_chunks_export_fkey FOREIGN KEY (export_id) REFERENCES {schema}.{table} (id) ON DELETE CASCADE
);

-- The chunk list of a finished export (issue 12, limits): one row per published chunk, in order, written in the
-- transaction that stores the DONE state, so the export's row (and every list query reading it) stays the same size at
-- 1 chunk and at 100,000. result_chunks counts the rows; null means the "export" JSON holds the list itself (exports
-- finished before this table existed, and exports without a result). Timestamps are the JSON's, to the millisecond.
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS result_chunks integer;
CREATE TABLE IF NOT EXISTS {schema}."{name}_published" (
    export_id          text COLLATE "C" NOT NULL,
    position           integer NOT NULL CHECK (position >= 1),
    name               text COLLATE "C" NOT NULL,
    -- Where the chunk is fetched; null when the sink has no address.
    url                text,
    rows               bigint NOT NULL,
    bytes              bigint NOT NULL,
    -- The CSV size of a compressed chunk; null for a plain one, whose CSV size is bytes.
    uncompressed_bytes bigint,
    sha256             text COLLATE "C" NOT NULL,
    first_created_at   timestamptz,
    last_created_at    timestamptz,
    oversize           boolean NOT NULL,
    CONSTRAINT {name}_published_pkey PRIMARY KEY (export_id, position),
    CONSTRAINT {name}_published_export_fkey FOREIGN KEY (export_id) REFERENCES {schema}.{table} (id) ON DELETE CASCADE
);

-- Range tasks (issue 12): an export split into created_at ranges keeps each range as a hidden row of this table, claimed,
-- leased and fenced like an export, and removed with its export. range_task holds the range, the task's place and the
-- export's first start (ExportRangeTask). Applications never see these rows.
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS parent_id text COLLATE "C"
    REFERENCES {schema}.{table} (id) ON DELETE CASCADE;
ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS range_task jsonb;
CREATE INDEX IF NOT EXISTS {name}_parent ON {schema}.{table} (parent_id) WHERE parent_id IS NOT NULL;

-- Where the rows after a chunk start in a JSON Lines ledger read in its declared order (ChunkInfo.SourceOffset): the byte
-- offset just past its last record's line, so a resumed export seeks there instead of reading the file again. Null for
-- other sources. Added after the chunk records; older rows resume by reading from the first byte, as they always did.
ALTER TABLE {schema}."{name}_chunks" ADD COLUMN IF NOT EXISTS source_offset bigint CHECK (source_offset > 0);
