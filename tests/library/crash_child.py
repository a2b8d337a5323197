"""The process that test_crash_safety.py kills with SIGKILL (not a test module).

    python tests/library/crash_child.py import LIBRARY FILE...
        import the files with workflows.papers.import_paths (a big Kaggle snapshot goes
        through the bulk path), printing every progress message, then "done ADDED"
    python tests/library/crash_child.py vectors LIBRARY MODEL N_BATCHES BATCH
        write vectors for the library's papers batch after batch with put_vectors,
        printing "committed K" after batch K is committed, then "done"

Every line is flushed at once so the parent knows what was committed when it kills.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))

import numpy as np  # noqa: E402

DIM = 384


def batch_vectors(model: str, batch: int, ids: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The hashes and vectors batch ``batch`` writes: a function of the batch alone, so
    the parent can check every stored value."""
    rng = np.random.default_rng(batch)
    mat = rng.standard_normal((len(ids), DIM)).astype(np.float32)
    return [f"{model}-{batch}-{int(i)}" for i in ids], mat


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    from paperscope.library.store import Store

    mode, library = argv[0], Path(argv[1])
    store = Store(library)
    say("open")
    if mode == "import":
        from paperscope.workflows.papers import import_paths

        def progress(fraction: float | None, message: str = "") -> None:
            say(f"progress {fraction} {message}")

        summary = import_paths(store, [Path(p) for p in argv[2:]], progress)
        say(f"done {summary.added}")
    elif mode == "vectors":
        model, n_batches, size = argv[2], int(argv[3]), int(argv[4])
        ids = store.all_ids()
        for b in range(n_batches):
            chunk = ids[b * size : (b + 1) * size]
            hashes, mat = batch_vectors(model, b, chunk)
            store.put_vectors(model, chunk, hashes, mat)
            say(f"committed {b}")
        say("done")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
