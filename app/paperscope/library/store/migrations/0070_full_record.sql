-- The whole record (issue 14): every field of the source record, in the source's own
-- vocabulary (fields->>'_format': bibtex | csl | ris; see paperscope/core/fields.py),
-- and every author and editor as parts (family, given, particle, suffix or literal,
-- role). The merge log keeps them too, so an undone merge gives them back.
ALTER TABLE papers ADD COLUMN creators JSON;
ALTER TABLE papers ADD COLUMN fields JSON;
ALTER TABLE merge_papers ADD COLUMN creators JSON;
ALTER TABLE merge_papers ADD COLUMN fields JSON;
