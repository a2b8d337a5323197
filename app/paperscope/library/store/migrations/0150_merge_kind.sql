-- Preprint → published (issue 16): a merge is of duplicates or of a preprint and its
-- published (venue) version; the history and the undo say which.
ALTER TABLE merge_log ADD COLUMN kind VARCHAR DEFAULT 'duplicates';
UPDATE merge_log SET kind = 'duplicates' WHERE kind IS NULL;
