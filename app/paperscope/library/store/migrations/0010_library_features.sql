-- Paper-library features (issue 3): tag order for the number keys, merge undo log,
-- pairs the user said are not duplicates, and the generation counter that tells the
-- derived text index (a SQLite FTS5 file beside the library) whether it is current.
ALTER TABLE tags ADD COLUMN position INTEGER;
CREATE SEQUENCE merge_seq START 1;
CREATE TABLE merge_log (
    id INTEGER PRIMARY KEY DEFAULT nextval('merge_seq'),
    kept_id BIGINT NOT NULL,
    other_ids BIGINT[] NOT NULL,
    merged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    undone BOOLEAN NOT NULL DEFAULT false
);
-- every row a merge touched, as it was before (restored by an undo)
CREATE TABLE merge_papers AS SELECT 0::INTEGER AS merge_id, * FROM papers LIMIT 0;
CREATE TABLE merge_keys (merge_id INTEGER NOT NULL, key VARCHAR NOT NULL, paper_id BIGINT NOT NULL);
CREATE TABLE merge_tags (merge_id INTEGER NOT NULL, paper_id BIGINT NOT NULL, tag_id INTEGER NOT NULL);
CREATE TABLE merge_collections (
    merge_id INTEGER NOT NULL, collection_id INTEGER NOT NULL, paper_id BIGINT NOT NULL
);
CREATE TABLE not_duplicates (
    a BIGINT NOT NULL,
    b BIGINT NOT NULL
);
CREATE TABLE library_state (
    key VARCHAR PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO library_state VALUES ('text_generation', 0);
