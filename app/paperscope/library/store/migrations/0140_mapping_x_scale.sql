-- Reported curves' x in the run's units, said once with the metric mapping: a Dopamine
-- baseline is per iteration, and 1 iteration is 250,000 agent steps (1M frames), so a
-- run logged in steps maps "return" to "Score" with x_scale 250000. NULL: x as reported.
ALTER TABLE result_mappings ADD COLUMN x_scale DOUBLE;
