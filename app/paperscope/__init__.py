"""PaperScope: papers, a semantic map of them, and the results of your own experiments."""

__version__ = "0.1.0"
