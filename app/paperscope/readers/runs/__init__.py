"""Run readers (experiment logs), one format per module."""
