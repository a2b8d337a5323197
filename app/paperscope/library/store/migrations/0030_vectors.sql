-- Embedding vectors of papers, one row per (paper, model). model_id names the model and
-- a hash of its files, so vectors of different models never mix; text_hash is the hash
-- of the text that was embedded, so a changed title/abstract is embedded again.
CREATE TABLE paper_vectors (
    paper_id BIGINT NOT NULL,
    model_id VARCHAR NOT NULL,
    text_hash VARCHAR NOT NULL,
    vector FLOAT[] NOT NULL,
    embedded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
