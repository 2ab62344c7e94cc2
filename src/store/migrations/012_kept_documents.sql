-- The document as the release before an upgrade left it, written by the replica that upgraded it in the same
-- transaction as the upgraded one (src/store/pg/upgrade.ts): an older release refuses the upgraded document, and
-- this copy is what a rollback puts back (README: Upgrading). Keyed like the embedded engine's
-- herald.json.v<version>.bak files; kept until the operator deletes the rows.
CREATE TABLE herald_kept_documents (
  schema_version integer NOT NULL,
  kept_at timestamptz NOT NULL DEFAULT now(),
  -- json, as herald_document: the exact text the older release wrote.
  data json NOT NULL,
  PRIMARY KEY (schema_version, kept_at)
);
