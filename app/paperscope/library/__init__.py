"""The paper library: the DuckDB store (the only SQL speaker), dedup keys, search."""
