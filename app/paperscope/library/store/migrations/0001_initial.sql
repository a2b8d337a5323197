-- The first schema: papers, their identity keys, tags, collections.
CREATE SEQUENCE paper_seq START 1;
CREATE TABLE papers (
    id BIGINT PRIMARY KEY DEFAULT nextval('paper_seq'),
    title VARCHAR NOT NULL,
    authors VARCHAR[] NOT NULL DEFAULT [],
    abstract VARCHAR NOT NULL DEFAULT '',
    year INTEGER,
    date DATE,
    upvotes INTEGER,
    organisation VARCHAR,
    arxiv_id VARCHAR,
    doi VARCHAR,
    hf_id VARCHAR,
    url VARCHAR,
    venue VARCHAR,
    kind VARCHAR,
    citation_key VARCHAR,
    keywords VARCHAR[] NOT NULL DEFAULT [],
    extra JSON,
    status VARCHAR NOT NULL DEFAULT 'unread',
    rating TINYINT,
    notes VARCHAR NOT NULL DEFAULT '',
    source VARCHAR NOT NULL DEFAULT '',
    added_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    modified_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- every identity key (arxiv:, doi:, hf:, title:) of every paper; see library/dedup.py
CREATE TABLE paper_keys (
    key VARCHAR NOT NULL,
    paper_id BIGINT NOT NULL
);
CREATE SEQUENCE tag_seq START 1;
CREATE TABLE tags (
    id INTEGER PRIMARY KEY DEFAULT nextval('tag_seq'),
    name VARCHAR NOT NULL UNIQUE,
    color VARCHAR
);
CREATE TABLE paper_tags (
    paper_id BIGINT NOT NULL,
    tag_id INTEGER NOT NULL
);
CREATE SEQUENCE collection_seq START 1;
CREATE TABLE collections (
    id INTEGER PRIMARY KEY DEFAULT nextval('collection_seq'),
    name VARCHAR NOT NULL UNIQUE,
    query VARCHAR  -- NULL: a hand-made collection; else a saved search (smart collection)
);
CREATE TABLE collection_papers (
    collection_id INTEGER NOT NULL,
    paper_id BIGINT NOT NULL
);
