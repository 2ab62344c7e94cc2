-- Secrets every replica must share: the admin token (when ADMIN_TOKEN is not
-- set) and the key that signs subscribers' links (a link made by one replica
-- must open on another). Made once, by whichever replica starts first.
CREATE TABLE herald_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
