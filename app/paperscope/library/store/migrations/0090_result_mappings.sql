-- Reference lines: which reported metric a run's metric is ("eval/mean_reward" is
-- "Score") and which reported dataset a run's task or env id is ("pong" is
-- "Atari 2600 Pong"), said once per library. kind: 'metric' | 'dataset'.
CREATE TABLE result_mappings (
    kind VARCHAR NOT NULL,
    run_name VARCHAR NOT NULL,
    reported_name VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (kind, run_name)
);
