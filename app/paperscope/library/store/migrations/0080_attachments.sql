-- Attachments (issue 19): files that belong to a paper, PDFs first. ``path`` is where
-- the file is (absolute when resolved; as the source wrote it when not), ``status`` ok |
-- missing, ``note`` what reading it found ("encrypted", "no text layer"), ``origin``
-- record (named by the record's own file field) | import (imported or dropped).
-- ``fulltext`` is the text read from the file in the background (``text_extracted``
-- says it was tried), mirrored into the search index's fulltext column.
CREATE SEQUENCE attachment_seq START 1;
CREATE TABLE attachments (
    id BIGINT PRIMARY KEY DEFAULT nextval('attachment_seq'),
    paper_id BIGINT NOT NULL,
    path VARCHAR NOT NULL,
    kind VARCHAR NOT NULL DEFAULT 'pdf',
    status VARCHAR NOT NULL DEFAULT 'ok',
    note VARCHAR NOT NULL DEFAULT '',
    origin VARCHAR NOT NULL DEFAULT 'import',
    written VARCHAR NOT NULL DEFAULT '',
    text_extracted BOOLEAN NOT NULL DEFAULT false,
    fulltext VARCHAR,
    added_at TIMESTAMP DEFAULT current_timestamp
);
CREATE INDEX attachments_paper ON attachments (paper_id);
