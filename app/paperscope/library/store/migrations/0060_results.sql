-- Papers meet runs: links from runs to papers, and the results papers report.
-- A run is its source (a folder or a file), its name inside a multi-run file ('' for
-- none) and a content fingerprint, so a moved folder can be found again. Removing a
-- link or a paper removes these rows only, never a run file.
CREATE SEQUENCE run_link_seq START 1;
CREATE TABLE run_links (
    id INTEGER PRIMARY KEY DEFAULT nextval('run_link_seq'),
    paper_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,            -- absolute path of the run folder or file
    run_name VARCHAR NOT NULL DEFAULT '',
    fingerprint VARCHAR NOT NULL,
    role VARCHAR NOT NULL DEFAULT 'reproduces',  -- reproduces | baseline | my-method
    note VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE SEQUENCE reported_result_seq START 1;
CREATE TABLE reported_results (
    id BIGINT PRIMARY KEY DEFAULT nextval('reported_result_seq'),
    paper_id BIGINT,                    -- NULL: the paper it names is not in the library
    task VARCHAR NOT NULL DEFAULT '',
    dataset VARCHAR NOT NULL DEFAULT '',
    metric VARCHAR NOT NULL,
    method VARCHAR NOT NULL DEFAULT '',
    value DOUBLE NOT NULL,
    std DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n_runs INTEGER,
    higher_is_better BOOLEAN,
    raw VARCHAR NOT NULL DEFAULT '',
    arxiv_id VARCHAR,                   -- the paper as the file names it (for matching later)
    doi VARCHAR,
    paper_title VARCHAR NOT NULL DEFAULT '',
    paper_url VARCHAR NOT NULL DEFAULT '',
    extra JSON,
    source VARCHAR NOT NULL DEFAULT '',  -- the file the number came from
    location VARCHAR NOT NULL DEFAULT '', -- and the record in it
    added_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
