"""The verbs the GUI and the CLI both call. Each long one is a plain function taking
``progress`` and ``cancel`` (see :mod:`paperscope.core.tasks`). One module per area."""
