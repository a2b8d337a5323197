"""The vendored Atari human / random table (``results/data/atari_human_random.json``,
from rliable): its 26 Atari 100k games equal IRIS's copies of rliable's HUMAN.json and
RANDOM.json in ``shared/data/runs/iris``; every "Atari 2600 <Game>" dataset of the EFF
table and the env ids runs use find their game; the normalisation formula."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from paperscope.results.atari import atari_game, atari_games, game_key, human_normalised
from tests.conftest import RUNS, SHARED_DATA

IRIS = RUNS / "iris" / "results" / "data"
EFF = SHARED_DATA / "results" / "pwc_sota_extractor" / "eff.json"


def test_the_table_holds_rliables_scores_of_the_57_games() -> None:
    games = atari_games()
    assert len(games) == 57
    human = json.loads((IRIS / "HUMAN.json").read_text())
    random = json.loads((IRIS / "RANDOM.json").read_text())
    assert len(human) == len(random) == 26
    for name, (h,) in human.items():
        game = atari_game(name)
        assert game is not None and game.name == name, name
        assert (game.human, game.random) == (h, random[name][0]), name
    assert all(g.human > g.random for g in games.values())  # the scale is positive


def test_every_eff_atari_dataset_and_env_id_finds_its_game() -> None:
    names: set[str] = set()

    def walk(task: dict[str, Any]) -> None:
        for ds in task.get("datasets", []):
            names.add(ds["dataset"])
        for sub in task.get("subtasks", []):
            walk(sub)

    for task in json.loads(EFF.read_text()):
        walk(task)
    atari = sorted(n for n in names if n.startswith("Atari 2600"))
    assert len(atari) == 57
    found = {n: atari_game(n) for n in atari}
    assert [n for n, g in found.items() if g is None] == []
    assert len({g.name for g in found.values() if g is not None}) == 57  # one game each
    for spelling, name in [
        ("PongNoFrameskip-v4", "Pong"), ("ALE/MsPacman-v5", "MsPacman"), ("pong", "Pong"),
        ("ms_pacman", "MsPacman"), ("Atari Pong", "Pong"), ("BreakoutDeterministic-v4", "Breakout"),
        ("Atari 2600 Montezuma's Revenge", "MontezumaRevenge"), ("up_n_down", "UpNDown"),
    ]:  # fmt: skip
        game = atari_game(spelling)
        assert game is not None and game.name == name, spelling
    assert atari_game("CartPole-v1") is None and atari_game("") is None
    assert game_key("Atari 2600 Ms. Pac-Man") == game_key("MsPacman") == "mspacman"


def test_human_normalised_scores() -> None:
    pong = atari_game("Pong")
    assert pong is not None
    np.testing.assert_allclose(pong.normalise([14.6, -20.7, 18.9]),
                               [1.0, 0.0, (18.9 + 20.7) / 35.3])  # fmt: skip
    with pytest.raises(ValueError, match="human equals random"):
        human_normalised([1.0], 2.0, 2.0)
    with pytest.raises(ValueError, match="unknown reference"):
        pong.score("expert")
