"""Qt-free foundations: records, tasks (progress/cancel), paths and settings."""
