-- The Comms Lead console's state, shared by every replica behind the load
-- balancer (src/store/console/pg.ts): a session made on one replica is valid
-- on all, a preview made on one is published once from any, and failed
-- sign-ins are counted across them. On the embedded engine the same state
-- lives in the process's memory.
--
-- No token is stored: a session is kept under the SHA-256 (base64url) of its
-- cookie token, and its CSRF token is derived from the cookie token when the
-- session is presented. Times are the application's clock (timestamptz).

-- Signed-in Comms Leads. A session ends 12 h after it was last used or 24 h
-- after it began (checked on every lookup; expired rows are swept).
CREATE TABLE console_sessions (
  key text PRIMARY KEY CHECK (length(key) = 43),
  actor text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL CHECK (last_seen_at >= created_at)
);
CREATE INDEX console_sessions_last_seen_at ON console_sessions (last_seen_at);

-- Previews waiting for "Publish now", owned by the session that made them.
-- state: pending (may be published), publishing (one replica claimed it:
-- `claim` names that attempt), published (`incident_id` answers retries).
-- `action` is json (not jsonb) for the same reasons as herald_document.
CREATE TABLE console_drafts (
  id text PRIMARY KEY,
  session_key text NOT NULL,
  action json NOT NULL,
  email_html text,
  created_at timestamptz NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'publishing', 'published')),
  claim text,
  claimed_at timestamptz,
  incident_id text,
  published_at timestamptz,
  CHECK (state <> 'publishing' OR (claim IS NOT NULL AND claimed_at IS NOT NULL)),
  CHECK (state <> 'published' OR (incident_id IS NOT NULL AND published_at IS NOT NULL))
);
CREATE INDEX console_drafts_created_at ON console_drafts (created_at);

-- Failed console sign-ins per client address, in fixed windows: `failures`
-- counted until `reset_at`, when the window ends.
CREATE TABLE console_sign_in_failures (
  ip text PRIMARY KEY,
  failures integer NOT NULL CHECK (failures > 0),
  reset_at timestamptz NOT NULL
);
CREATE INDEX console_sign_in_failures_reset_at ON console_sign_in_failures (reset_at);
