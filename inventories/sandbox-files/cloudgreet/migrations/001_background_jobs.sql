-- CloudGreet's job queue (reference-plans/cloudgreet-infrastructure.md, "Option A: Vercel Cron Jobs +
-- Database Queue"): the background_jobs table the cron route /api/cron/process-jobs works through.
-- uuid_generate_v4() comes from uuid-ossp (on by default on Supabase; a trusted extension, which the
-- database's owner may create).
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TABLE background_jobs (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  type TEXT NOT NULL,
  payload JSONB NOT NULL,
  status TEXT DEFAULT 'pending',
  attempts INT DEFAULT 0,
  max_attempts INT DEFAULT 3,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  processed_at TIMESTAMPTZ,
  error TEXT
);

CREATE INDEX idx_jobs_status_created ON background_jobs(status, created_at);
