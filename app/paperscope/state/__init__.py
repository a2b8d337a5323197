"""The window's state without Qt: typed, validated, observable models of what each
pane shows, their JSON (the workspace file) and the controllers' session.

Nothing here imports Qt (import-linter); the GUI binds widgets to these models and
repaints when they change. See ARCHITECTURE.md ("state/").
"""
