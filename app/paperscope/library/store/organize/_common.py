"""What the parts of :mod:`paperscope.library.store.organize` share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ids(paper_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(paper_ids, dtype=np.int64))
