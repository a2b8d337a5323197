"""Recommendations in the window: the sidebar's "For you" entries, the table's
Recommended sort and each recommended paper's why.

The recommender (:func:`paperscope.workflows.recommend.recommend`) is retrained on the
task runner's background lane whenever the library changes (a rating, a tag, a status,
an import), a moment after the last change; the embeddings are loaded once and again
only when their count changes. After an import, the status bar says how many of the
new papers are for you.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.core.text import count
from paperscope.gui.papers.papers_view import PapersView
from paperscope.gui.papers.sidebar import Sidebar
from paperscope.gui.papers.similar_list import SimilarList
from paperscope.gui.papers.table_model import RECOMMENDED
from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.gui.task_runner import preload
from paperscope.library.store import Store
from paperscope.state.session import Session
from paperscope.workflows.map import MapError, VectorIndex
from paperscope.workflows.recommend import (
    Recommendation,
    RecommendError,
    explain,
    liked_and_disliked,
    new_papers_line,
    recommend,
    why_text,
)

SHOWN_LIMIT = 500  # a "More like" list shows at most this many papers
RETRAIN_DELAY_MS = 300
# train_task's note when the vectors must be (re)loaded first: seconds for 100k papers,
# too long for the background lane, so that load runs on the main pool
NEEDS_VECTORS = "loading the embeddings"


# the vectors loaded and the store's vector counts when they were (stale once those move)
Loaded = tuple[VectorIndex, dict[str, int]]


def load_vectors_task(
    store: Store, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> Loaded | None:
    """The library's vectors of its main model (``None`` when it has none)."""
    counts = store.vector_models()
    try:
        return VectorIndex.open(store), counts  # memory-mapped: 10M vectors stay on disk
    except MapError:
        return None


def train_task(
    store: Store,
    loaded: Loaded | None,
    tag: str | None = None,
    load: bool = True,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[Recommendation | None, str, Loaded | None]:
    """``(recommendation or None, a note for the user, the vectors used)``, on a worker.
    scikit-learn (and the pandas it imports) loads only once there is something to
    learn from: embeddings and a liked paper."""
    cancel = cancel or CancelToken()
    counts = store.vector_models()
    if not counts:
        return None, "No paper has an embedding yet (Library → Embed papers)", None
    try:
        liked, _disliked = liked_and_disliked(store, tag)
    except RecommendError as exc:
        return None, str(exc), loaded
    if len(liked) == 0:
        return None, "Rate, tag or mark read a few papers to get recommendations", loaded
    preload("sklearn.linear_model", "threadpoolctl")
    if loaded is None or loaded[1] != counts:
        if not load:
            return None, NEEDS_VECTORS, loaded
        loaded = load_vectors_task(store)
        if loaded is None:
            return None, "No paper has an embedding yet (Library → Embed papers)", None
    try:
        rec = recommend(store, progress, cancel, tag=tag, vectors=loaded[0])
    except RecommendError as exc:
        return None, str(exc), loaded
    return rec, rec.line(), loaded


class RecommendController(QObject):
    """Signal ``trained(recommendation or None)`` after each retraining."""

    trained = Signal(object)

    def __init__(
        self,
        session: Session[AppState],
        status: StatusBar,
        sidebar: Sidebar,
        similar_list: SimilarList,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session, self.status = session, status
        self.sidebar, self.similar_list = sidebar, similar_list
        self.view: PapersView | None = None
        self.recommendation: Recommendation | None = None
        self.shown: Recommendation | None = None  # the ranking the table shows, if any
        self.note = ""
        self._loaded: Loaded | None = None
        self._new_ids: list[int] = []
        self._whys: dict[tuple[int, int], str] = {}
        self._timer = QTimer(self, singleShot=True, interval=RETRAIN_DELAY_MS)
        self._timer.timeout.connect(self.retrain)
        session.app.library_changed.connect(self._timer.start)
        session.app.current_paper_changed.connect(self._show_why)
        sidebar.recommend_chosen.connect(self.show_for_you)

    def bind(self, view: PapersView) -> None:
        """The (new) table of the library shown; a new library's recommender is trained."""
        self.view = view
        self.recommendation = self.shown = self._loaded = None
        self._whys.clear()
        view.model.set_explainer(self.why_of)
        self.retrain()

    def unbind(self) -> None:
        self.view = None

    # -- training --------------------------------------------------------------------
    def retrain(self) -> None:
        self._timer.stop()
        self.session.runner.submit(
            train_task, self.session.store, self._loaded, None, False, title="",
            key="recommend", background=True, on_result=self._on_trained,
        )  # fmt: skip

    def _on_vectors(self, loaded: Loaded | None) -> None:
        if loaded is None:
            self._on_trained((None, "No paper has an embedding yet (Library → Embed papers)", None))
            return
        self._loaded = loaded
        self.retrain()

    def _on_trained(self, result: tuple[Recommendation | None, str, Loaded | None]) -> None:
        rec, note, loaded = result
        if note == NEEDS_VECTORS:
            self.session.runner.submit(
                load_vectors_task, self.session.store, title="Loading the embeddings",
                key="recommend-vectors", on_result=self._on_vectors,
            )  # fmt: skip
            return
        self.recommendation, self.note, self._loaded = rec, note, loaded
        self._whys.clear()
        if self.view is not None:
            self.view.model.set_recommendation(rec)
        self.sidebar.set_for_you(None if rec is None else len(rec.for_you), note)
        new, self._new_ids = self._new_ids, []
        line = new_papers_line(rec, new)
        if line:
            self.status.show_message(line)
        self._show_why(self.session.app.current_paper)
        self.trained.emit(rec)

    def imported(self, summary: Any) -> None:
        """An import finished: its papers are ranked once the recommender is retrained
        (``library_changed``, which the import emits, starts that)."""
        self._new_ids = [int(i) for i in getattr(summary, "paper_ids", [])]
        self._timer.start()

    # -- showing ---------------------------------------------------------------------
    def show_for_you(self, tag: str = "") -> None:
        """The sidebar's For you ("") or More like ``tag``: the table shows the ranking."""
        if not tag:
            self._show(self.recommendation, None)
            return
        self.session.runner.submit(
            train_task, self.session.store, self._loaded, tag, title=f"More like {tag}",
            key="recommend-tag", on_result=lambda r: self._show(r[0], r[1]),
        )  # fmt: skip

    def _show(self, rec: Recommendation | None, note: str | None) -> None:
        view = self.view
        if view is None:
            return
        if rec is None:
            view.count_label.setText(note or self.note or "Nothing to recommend yet")
            return
        self.shown = rec
        self._whys.clear()
        ids = rec.for_you if rec.tag is None else rec.ids[:SHOWN_LIMIT]
        if len(ids) == 0:  # nothing on the liked side yet: the best few anyway
            ids = rec.ids[:20]
        scores = rec.scores_of(ids)
        self.session.papers.show_ids(
            "recommended", tuple(int(i) for i in ids), tuple(float(s) for s in scores)
        )
        about = f"like your tag {rec.tag}" if rec.tag else "for you"
        view.count_label.setText(
            f"{count(len(ids), 'paper')} {about}, learnt from "
            f"{count(len(rec.liked_ids), 'liked paper')} (hover a score for why)"
        )

    def sort_recommended(self) -> None:
        """View → Sort by recommendation: the table's papers, best recommended first."""
        if self.view is not None:
            if not self.session.papers.update(sort=("Recommended", False)):
                self.view.model.sort_by(RECOMMENDED)  # already the sort: sort again
            if self.recommendation is None:
                self.status.show_message(self.note or "Nothing to recommend yet")

    def why_of(self, paper_id: int) -> str:
        """Why ``paper_id`` is recommended (its nearest liked papers), or ""."""
        rec = self.shown or self.recommendation
        if rec is None or paper_id < 0:
            return ""
        key = (id(rec), paper_id)
        hit = self._whys.get(key)
        if hit is None:
            if np.isnan(rec.scores_of([paper_id])[0]):
                hit = ""
            else:
                hit = why_text(explain(self.session.store, rec, [paper_id]).get(paper_id, []))
            self._whys[key] = hit
        return hit

    def _show_why(self, paper_id: int) -> None:
        why = self.why_of(paper_id)
        self.similar_list.show_why(f"Recommended: {why}" if why else "")
