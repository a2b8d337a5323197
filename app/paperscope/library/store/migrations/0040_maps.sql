-- The semantic map: 2-D layouts of the paper vectors, their clusters, and the exact
-- nearest-neighbour table ("similar papers") computed with them.
CREATE SEQUENCE map_layout_seq START 1;
CREATE TABLE map_layouts (
    id INTEGER PRIMARY KEY DEFAULT nextval('map_layout_seq'),
    model_id VARCHAR NOT NULL,          -- the embedding model whose vectors were laid out
    method VARCHAR NOT NULL,            -- 'pca' | 'umap'
    params JSON NOT NULL,               -- everything needed to redo it (UMAP's a, b too)
    complete BOOLEAN NOT NULL DEFAULT true,  -- false: UMAP cancelled, its last layout kept
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE map_points (
    layout_id INTEGER NOT NULL,
    paper_id BIGINT NOT NULL,
    x FLOAT NOT NULL,
    y FLOAT NOT NULL,
    cluster INTEGER NOT NULL DEFAULT -1,   -- -1: no cluster (noise or not clustered)
    placed BOOLEAN NOT NULL DEFAULT false  -- added later by transform, not part of the fit
);
CREATE TABLE map_clusters (
    layout_id INTEGER NOT NULL,
    cluster INTEGER NOT NULL,
    label VARCHAR NOT NULL,
    terms VARCHAR[] NOT NULL,
    size INTEGER NOT NULL,
    x DOUBLE NOT NULL,                  -- where the label is drawn
    y DOUBLE NOT NULL
);
CREATE TABLE paper_neighbours (
    model_id VARCHAR NOT NULL,
    paper_id BIGINT NOT NULL,
    rank SMALLINT NOT NULL,             -- 1 = most similar
    neighbour_id BIGINT NOT NULL,
    score FLOAT NOT NULL                -- cosine similarity
);
