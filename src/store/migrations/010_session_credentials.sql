-- The secret a console session was signed in with (src/store/console/pg.ts): a digest of the admin token or of
-- ADMIN_PASSWORD, never either. A replica takes a session only while it still takes that secret, so changing a
-- leaked password or token signs out whoever signed in with it, as a restart does on the embedded engine.
-- Sessions from before this column have none and end at the upgrade.
ALTER TABLE console_sessions ADD COLUMN credentials text NOT NULL DEFAULT '';
