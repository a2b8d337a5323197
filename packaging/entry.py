"""The bundle's entry point (PyInstaller): the same as ``python -m paperscope``."""

import multiprocessing

from paperscope.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the ONNX export runs in a spawned process
    raise SystemExit(main())
