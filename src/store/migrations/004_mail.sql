-- Email on PostgreSQL, shared by every replica (src/store/mail/pg-*.ts): the
-- subscribers, the notices being fanned out, the outbox of deliveries that
-- any replica may claim, and the subscribe rate limits. On the embedded
-- engine the same records live in DATA_DIR's journals (subscribers.jsonl,
-- deliveries.jsonl) and the limits in the process's memory.

-- One row per address. `seq` is creation order: fan-out walks subscribers by
-- it and keeps how far it got (mail_intents.cursor). `email_key` is the
-- address in lower case, unique: two replicas taking a request for one
-- address at once make one subscriber.
CREATE TABLE mail_subscribers (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  email text NOT NULL,
  email_key text NOT NULL UNIQUE,
  state text NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
  components text[] NOT NULL,
  confirms integer NOT NULL CHECK (confirms > 0),
  requested_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  unsubscribed_at timestamptz,
  suppressed text
);
-- Fan-out reads only those who can receive a notice, in seq order.
CREATE INDEX mail_subscribers_recipients ON mail_subscribers (seq) WHERE state = 'confirmed' AND suppressed IS NULL;

-- One row per notice (an emailed update, a late disruption notice, a
-- postmortem, a maintenance reminder), made by the first fan-out step.
-- Fan-out steps lock the row, so two replicas never walk one notice at once.
CREATE TABLE mail_intents (
  key text PRIMARY KEY,
  ord bigserial NOT NULL UNIQUE,
  incident text NOT NULL,
  update_id text NOT NULL,
  kind text NOT NULL,
  cursor bigint NOT NULL DEFAULT 0,
  done boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  -- Sent deliveries counted but not kept as rows (brought by db:import from the embedded engine).
  archived_sent integer NOT NULL DEFAULT 0
);

-- The outbox. A replica claims queued deliveries in batches (FOR UPDATE
-- SKIP LOCKED) and leases them (`lease_owner`, `lease_until`): another
-- replica takes a delivery only once its lease expired, so a replica killed
-- mid-send leaves its claims to the others (at least once: what was in
-- flight may be sent twice, with the same Message-ID). `next_at` is the
-- earliest retry, in epoch ms of the application's clock.
CREATE TABLE mail_deliveries (
  id text PRIMARY KEY,
  ord bigserial NOT NULL UNIQUE,
  sub text NOT NULL,
  intent text NOT NULL,
  kind text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  next_at bigint,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  -- The replica that sent it (host:pid), for an operator asking who did.
  sent_by text,
  lease_owner text,
  lease_until timestamptz
);
-- Confirmations and notices are claimed from their own queues, so a flood of
-- subscribes does not hold a notice back, nor a notice the confirmations. A
-- claim reads only what is due (new ones first, then retries by due time):
-- while a relay is down and every queued delivery waits for its retry, the
-- claim every replica polls for stops at the first one not due.
CREATE INDEX mail_deliveries_confirm_queue ON mail_deliveries ((coalesce(next_at, 0)), ord) WHERE state = 'queued' AND kind = 'confirm';
CREATE INDEX mail_deliveries_notice_queue ON mail_deliveries ((coalesce(next_at, 0)), ord) WHERE state = 'queued' AND kind <> 'confirm';
CREATE INDEX mail_deliveries_queued ON mail_deliveries (ord) WHERE state = 'queued';
CREATE INDEX mail_deliveries_failed ON mail_deliveries (ord) WHERE state = 'failed';
CREATE INDEX mail_deliveries_intent_state ON mail_deliveries (intent, state);
CREATE INDEX mail_deliveries_sub ON mail_deliveries (sub);

-- Subscribe rate limits, counted across replicas in fixed windows: `hits`
-- until `reset_at`. Keys are `ip:<address>` and `addr:<email in lower case>`.
CREATE TABLE mail_subscribe_limits (
  key text PRIMARY KEY,
  hits integer NOT NULL CHECK (hits > 0),
  reset_at timestamptz NOT NULL
);
CREATE INDEX mail_subscribe_limits_reset_at ON mail_subscribe_limits (reset_at);

-- When the outbox was made (one row): notices older than that are history,
-- not news, and are not sent. `paused_reason` is set when a replica met a
-- mail setup error (authentication refused, say): every replica stops
-- sending until the Comms Lead resumes, on whichever replica.
CREATE TABLE mail_outbox (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  epoch timestamptz NOT NULL,
  paused_reason text,
  paused_at timestamptz
);
