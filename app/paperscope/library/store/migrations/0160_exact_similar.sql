-- Similar papers computed exactly in the background (issue 17): every paper's nearest
-- papers among the vectors of one model, written a chunk of papers at a time, so a
-- cancelled job keeps what it finished and the next one goes on from there.
-- vector_generations counts the writes of each model's vectors (generation) and the
-- writes that replaced or deleted vectors (replaced): the table is current only at the
-- generation its columns were taken at, and a replacement empties it.
CREATE TABLE vector_generations (
    model_id VARCHAR PRIMARY KEY,
    generation BIGINT NOT NULL,
    replaced BIGINT NOT NULL
);
CREATE TABLE exact_similar_state (
    model_id VARCHAR PRIMARY KEY,
    generation BIGINT NOT NULL,         -- the vectors' generation the columns are from
    replaced BIGINT NOT NULL            -- vector_generations.replaced when it began
);
CREATE TABLE exact_similar_cols (       -- the papers every stored row was ranked among
    model_id VARCHAR NOT NULL,
    paper_id BIGINT NOT NULL
);
CREATE TABLE exact_similar (
    model_id VARCHAR NOT NULL,
    paper_id BIGINT NOT NULL,
    rank SMALLINT NOT NULL,             -- 1 = most similar
    neighbour_id BIGINT NOT NULL,
    score FLOAT NOT NULL                -- cosine similarity
);
