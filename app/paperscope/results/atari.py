"""Atari human / random reference scores: the per-game table of ``data/
atari_human_random.json`` (from rliable; source, commit and licence in ``data/README.md``),
a game found from any of its spellings (``PongNoFrameskip-v4``, ``ALE/Pong-v5``,
``Atari 2600 Pong``, ``ms_pacman``, ``Ms. Pac-Man``) and the one formula of human-normalised
scores, ``(score - random) / (human - random)``, which the comparison table and the
reference lines share (the aggregate verb's ``score_matrix`` applies the same to
reference tables read from files).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).with_name("data") / "atari_human_random.json"
SOURCE = "rliable (Atari human / random scores)"
KINDS = ("human", "random")  # the reference lines a pane can show
# words a game's spelling carries that do not name the game
_NOISE = frozenset({
    "atari", "2600", "ale", "noframeskip", "deterministic", "frameskip", "no", "ram",
    "v0", "v1", "v2", "v3", "v4", "v5", "env", "game",
})  # fmt: skip
_ALIASES = {"upanddown": "upndown"}  # EFF's "Atari 2600 Up and Down"


@dataclass(frozen=True, slots=True)
class AtariGame:
    name: str  # as rliable writes it: "Pong", "MsPacman"
    human: float
    random: float

    def score(self, kind: str) -> float:
        if kind not in KINDS:
            raise ValueError(f"unknown reference {kind!r}; one of {', '.join(KINDS)}")
        return self.human if kind == "human" else self.random

    def normalise(self, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
        return human_normalised(values, self.random, self.human)


def human_normalised(values: npt.ArrayLike, random: float, human: float) -> npt.NDArray[np.float64]:
    """``(values - random) / (human - random)``; ``ValueError`` when human equals random."""
    scale = human - random
    if scale == 0 or not np.isfinite(scale):
        raise ValueError("human equals random score")
    return (np.asarray(values, dtype=np.float64) - random) / scale


def game_key(name: str) -> str:
    """A spelling of a game folded to its letters and digits, words that do not name the
    game dropped: ``PongNoFrameskip-v4`` → ``pong``, ``Atari 2600 Ms. Pac-Man`` →
    ``mspacman``, ``ALE/MsPacman-v5`` → ``mspacman``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"['\u2019]s\b", "", text)  # Montezuma's Revenge
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _NOISE]
    key = "".join(words)
    return _ALIASES.get(key, key)


@functools.cache
def atari_games() -> dict[str, AtariGame]:
    """The table, by :func:`game_key` of the game's name."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        game_key(name): AtariGame(name, float(v["human"]), float(v["random"]))
        for name, v in data["games"].items()
    }


def atari_game(name: str) -> AtariGame | None:
    """The Atari game ``name`` spells, or ``None``."""
    return atari_games().get(game_key(name)) if name.strip() else None
