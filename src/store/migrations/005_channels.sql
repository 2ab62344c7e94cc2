-- The channel outbox on PostgreSQL (src/store/channels/pg-ledger.ts): the
-- Slack, Teams and webhook posts planned from the updates, shared by the
-- replicas. Only the leader plans and posts (a war room reads the posts of
-- one channel in order); a new leader reads what waits here and posts it,
-- so a post queued when the old leader died is not lost. On the embedded
-- engine the same records are DATA_DIR/channel-deliveries.jsonl.
CREATE TABLE channel_deliveries (
  id text PRIMARY KEY,
  ord bigserial NOT NULL UNIQUE,
  channel text NOT NULL,
  event text NOT NULL,
  update_id text NOT NULL,
  component text,
  kind text NOT NULL,
  -- The update's created_at: sent rows older than the planning mark are not needed to dedupe.
  at text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  last_status integer,
  next_at bigint,
  created_at text NOT NULL,
  sent_at text
);
CREATE INDEX channel_deliveries_live ON channel_deliveries (ord) WHERE state <> 'sent';

-- How far planning got (one row): every update written at or after it is considered again.
CREATE TABLE channel_outbox (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  since text NOT NULL
);
