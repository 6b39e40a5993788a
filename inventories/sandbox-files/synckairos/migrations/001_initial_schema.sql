-- SyncKairos: the sessions the sync engine writes behind its Redis state (the plan's 001_initial_schema.sql).
CREATE TABLE IF NOT EXISTS sync_sessions (
    session_id uuid PRIMARY KEY,
    sync_mode text NOT NULL CHECK (sync_mode IN ('per_participant', 'per_cycle', 'per_group', 'global', 'count_up')),
    status text NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sync_events (
    id bigserial PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sync_sessions (session_id) ON DELETE CASCADE,
    event_type text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS sync_events_session_created_idx ON sync_events (session_id, created_at);
