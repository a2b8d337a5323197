"""Paper readers, one format per module."""
