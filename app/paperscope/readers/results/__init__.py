"""Readers of results reported by papers (kind ``"results"``): leaderboard JSON,
model cards, LaTeX tables. They share :mod:`._values` for the numbers."""
