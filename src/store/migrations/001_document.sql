-- Herald's main data as one JSON document: the same shape as the lowdb file,
-- validated by the application on every read. One row, pinned by the check:
-- every replica's write takes this row's lock (SELECT ... FOR UPDATE), so
-- writes from several replicas serialize and none is lost. `version` grows by
-- one per commit; replicas compare it to know whether their copy is current.
--
-- `json`, not `jsonb`: PostgreSQL never looks inside the document, and json
-- keeps the exact text Herald wrote (key order, so replayed idempotent
-- responses are byte-identical; "\u0000" escapes, which jsonb refuses), and
-- is cheaper: 200 rewrites of a 1 MB document took 1.6-2.1 s as json against
-- 4.9-5.1 s as jsonb, 200 reads 1.0-1.2 s against 2.8-3.3 s (this machine).
-- Ad-hoc inspection can still cast: SELECT data::jsonb -> 'settings' ...
CREATE TABLE herald_document (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version bigint NOT NULL CHECK (version > 0),
  data json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
