"""Reported-results readers on the real files of shared/data/results: Papers with Code
sota-extractor JSON and Hugging Face model cards, record by record; the value parser."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from paperscope.core.records import ReadError, ReadResult, ReportedResult
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from paperscope.readers.results._values import ValueProblem, higher_is_better, parse_value
from tests.conftest import SHARED_DATA

RESULTS = SHARED_DATA / "results"
PWC = RESULTS / "pwc_sota_extractor"
CARDS = RESULTS / "hf_model_cards"


def _read(path: Path) -> ReadResult:
    reader = registry.reader_for(path, "results")
    assert reader is not None, path
    return reader.read(path, no_progress, CancelToken())


def _spread(r: ReportedResult) -> tuple[float, float | None, float | None, float | None]:
    return (r.value, r.std, r.ci_low, r.ci_high)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("raw", "value", "std", "lo", "hi"),
    [
        ("0.8428 \u00b1 0.0014", 0.8428, 0.0014, None, None),
        ("1518.70 +/- 568.14", 1518.70, 568.14, None, None),
        ("-31.67 +/- 22.54", -31.67, 22.54, None, None),
        ("0.14 [0.14, 0.15]", 0.14, None, 0.14, 0.15),
        ("-122\\;[-149,\\,-94]", -122.0, None, -149.0, -94.0),
        ("$769 \\pm 19$", 769.0, 19.0, None, None),
        ("81.3", 81.3, None, None, None),
        ("93.2%", 93.2, None, None, None),
        ("1.2M", 1.2e6, None, None, None),
        ("3.5m", 3.5e6, None, None, None),
        ("190k", 190e3, None, None, None),
        ("1{,}000", 1000.0, None, None, None),
        ("\u22123.5", -3.5, None, None, None),
        (12, 12.0, None, None, None),
        (-16.0, -16.0, None, None, None),
    ],
)
def test_value_parser(raw: object, value: float, std: float | None, lo: float | None,
                      hi: float | None) -> None:  # fmt: skip
    v = parse_value(raw)
    assert v is not None
    assert v.value == pytest.approx(value)
    assert v.std == (None if std is None else pytest.approx(std))
    assert (v.ci_low, v.ci_high) == (
        (None, None) if lo is None else (pytest.approx(lo), pytest.approx(hi))
    )


def test_value_parser_percent_negative_zero_missing_and_errors() -> None:
    assert parse_value("93.2%").percent is True  # type: ignore[union-attr]
    neg = parse_value("-0.00 +/- 0.01")
    assert neg is not None and neg.value == 0.0 and math.copysign(1, neg.value) == -1
    for missing in ("", "–", "---", "n/a", None):
        assert parse_value(missing) is None
    for bad in ("Please tell us", "highest", True, [1], float("nan"), "[FILL:sr_naive]"):
        with pytest.raises(ValueProblem):
            parse_value(bad)


def test_higher_is_better_guess() -> None:
    assert higher_is_better("Test Accuracy") is True
    assert higher_is_better("Percentage error") is False
    assert higher_is_better("loss") is False
    assert higher_is_better("Number of params") is None
    assert higher_is_better("gen_len") is None
    assert higher_is_better("total") is None
    assert higher_is_better("mean_reward") is True


# --------------------------------------------------------------------------- Papers with Code


def _expected_values(path: Path) -> int:
    """An independent count: every metric value of every row, placeholders excluded."""
    data = json.loads(path.read_text(encoding="utf-8"))
    n = 0
    stack = list(data)
    while stack:
        task = stack.pop()
        stack.extend(task.get("subtasks") or [])
        for ds in task.get("datasets") or []:
            for row in ds["sota"]["rows"]:
                n += sum(1 for v in row["metrics"].values() if v not in ("", "–"))
    return n


def test_pwc_ogb_strings_with_plus_minus_and_arxiv_ids() -> None:
    res = _read(PWC / "ogb.json")
    # 244 rows × 3 metrics; 15 values are the text "Please tell us": skipped, named
    assert len(res.results) + len(res.issues) == _expected_values(PWC / "ogb.json") == 732
    assert len(res.results) == 717
    assert all(i.severity == "skipped" and "'Please tell us' is not a number" in i.message
               for i in res.issues)  # fmt: skip
    assert res.issues[0].location == "Node Property Prediction / ogbn-products / row 13"
    first = res.results[:3]
    assert [(r.metric, r.value, r.std) for r in first] == [
        ("Number of params", 2179678.0, None),
        ("Test Accuracy", 0.8428, 0.0014),
        ("Validation Accuracy", 0.9287, 0.0003),
    ]
    r = first[1]
    assert (r.task, r.dataset, r.method, r.arxiv_id, r.paper_title) == (
        "Node Property Prediction", "ogbn-products", "SAGN+SLE", "2104.09376", "",
    )  # fmt: skip
    assert r.raw == "0.8428 \u00b1 0.0014" and r.higher_is_better is True
    assert first[0].higher_is_better is None  # a parameter count is no score
    assert r.extra["paper_date"] == "2021-04-19"  # the row's other fields are kept
    assert r.extra["code_links"] == [
        {"title": "", "url": "https://github.com/skepsun/SAGN_with_SLE"}
    ]
    assert len({x.dataset for x in res.results}) == 15
    # duplicate model names within one dataset stay separate records
    deepwalk = [x for x in res.results if x.dataset == "ogbl-ppa" and x.method == "DeepWalk"]
    assert len({x.location for x in deepwalk}) == 2


def test_pwc_snli_units_and_placeholders() -> None:
    res = _read(PWC / "snli.json")
    assert not res.issues
    assert len(res.results) == _expected_values(PWC / "snli.json") == 188
    by = {(r.method, r.metric): r for r in res.results}
    tbcnn = by[("300D Tree-based CNN encoders", "Parameters")]
    assert (tbcnn.value, tbcnn.raw, tbcnn.extra["scale"]) == (3.5e6, "3.5m", 1e6)
    assert by[("50D stacked TC-LSTMs", "Parameters")].value == 190e3
    acc = by[("Unlexicalized features", "% Test Accuracy")]
    assert (acc.value, acc.paper_url, acc.arxiv_id, acc.doi) == (
        50.4, "http://nlp.stanford.edu/pubs/snli_paper.pdf", None, None,
    )  # fmt: skip
    assert acc.paper_title == "A large annotated corpus for learning natural language inference"


def test_pwc_eff_numbers_atari_and_lower_is_better() -> None:
    res = _read(PWC / "eff.json")
    assert not res.issues and len(res.results) == 1714
    atari = {r.dataset for r in res.results if r.dataset.startswith("Atari 2600 ")}
    assert len(atari) == 57
    breakout = [r for r in res.results if r.dataset == "Atari 2600 Breakout"]
    assert [(r.method, r.value, r.arxiv_id) for r in breakout[:6]] == [
        ("SARSA", 6.1, None),
        ("Best linear", 5.2, "1207.4708"),  # abs/1207.4708v1: the version is dropped
        ("DQN best", 225.0, "1312.5602"),
        ("Nature DQN", 401.2, None),
        ("Gorila", 313.0, "1507.04296"),
        ("DQN noop", 385.5, "1509.06461"),
    ]
    assert all(r.task == "Simple Video Games" and r.metric == "Score" for r in breakout)
    wer = next(r for r in res.results if r.metric == "Percentage error")
    assert wer.higher_is_better is False
    assert sum(1 for r in res.results if r.value < 0) == 91


def test_pwc_documented_example_is_rejected_with_line() -> None:
    path = PWC / "example_json_format.json"
    with pytest.raises(ReadError) as info:
        _read(path)
    assert info.value.file == str(path)
    assert info.value.location.startswith("line 27")
    assert "trailing comma at line 26" in info.value.message


def test_pwc_nested_subtasks_and_single_task_object(tmp_path: Path) -> None:
    """The example's shape (one task object with subtasks), once its comma is fixed."""
    text = (PWC / "example_json_format.json").read_text(encoding="utf-8")
    fixed = tmp_path / "example.json"
    fixed.write_text(text.replace('"url": "",\n', '"url": ""\n'), encoding="utf-8")
    data = json.loads(fixed.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data["subtasks"]
    res = _read(fixed)
    assert res.results
    subtask_names = {s["task"] for s in data["subtasks"]}
    nested = [r for r in res.results if r.task in subtask_names]
    assert nested and all(r.extra["parent_task"] == data["task"] for r in nested)


# --------------------------------------------------------------------------- HF model cards


def test_hf_card_sb3_cleanrl_with_spread() -> None:
    cases = {
        "sb3_ppo-BreakoutNoFrameskip-v4_README.md": ("PPO", "BreakoutNoFrameskip-v4", 398.0, 16.3),
        "sb3_tqc-HalfCheetah-v3_README.md": ("TQC", "HalfCheetah-v3", 12102.81, 119.24),
        "sb3_a2c-Acrobot-v1_README.md": ("A2C", "Acrobot-v1", -79.8, 5.44),
        "cleanrl_Alien-v5-ppo_atari_envpool_async_jax_scan_impalanet_machado-seed1_README.md": (
            "PPO", "Alien-v5", 5393.0, 2804.27,
        ),
    }  # fmt: skip
    for name, (method, dataset, value, std) in cases.items():
        res = _read(CARDS / name)
        assert not res.issues, name
        assert len(res.results) == 1
        r = res.results[0]
        assert (r.method, r.dataset, r.metric, r.task) == (
            method, dataset, "mean_reward", "reinforcement-learning",
        )  # fmt: skip
        assert (r.value, r.std) == (value, std)
        assert r.higher_is_better is True  # even when negative
        assert r.location == "model-index[0].results[0].metrics[0]"


def test_hf_card_jat_iqm_with_ci_and_the_cited_arxiv_id() -> None:
    res = _read(CARDS / "jat-project_jat.md")
    assert not res.issues
    assert len(res.results) == 376
    assert len({r.location.rsplit(".metrics", 1)[0] for r in res.results}) == 161
    assert {r.arxiv_id for r in res.results} == {"2402.09844"}
    first = res.results[0]
    assert (first.dataset, first.metric, first.method) == (
        "Atari 57", "IQM expert normalized total reward", "jat-project/jat",
    )  # fmt: skip
    assert _spread(first) == (0.14, None, 0.14, 0.15)
    assert first.raw == "0.14 [0.14, 0.15]"
    alien = [r for r in res.results if r.extra.get("dataset", {}).get("type") == "atari-alien"]
    assert len(alien) == 3
    raw = next(r for r in alien if r.std == 568.14)
    assert raw.value == 1518.70
    negzero = [r for r in res.results if r.raw == "-0.00 +/- 0.01"]
    assert negzero and all(math.copysign(1, r.value) == -1 for r in negzero)


def test_hf_card_nlp_cards() -> None:
    squad = _read(CARDS / "deepset_roberta-base-squad2.md")
    assert not squad.issues and len(squad.results) == 17
    em = squad.results[0]
    assert (em.dataset, em.metric, em.value, em.task) == (
        "squad_v2", "Exact Match", 79.9309, "Question Answering",
    )  # fmt: skip
    assert em.extra["metric"]["verified"] is True
    total = [r for r in squad.results if r.metric.lower() == "total"]
    assert total and all(r.higher_is_better is None and r.value == 11869 for r in total)
    pegasus = _read(CARDS / "google_pegasus-xsum.md")
    samsum = [r.metric for r in pegasus.results if r.dataset == "samsum"]
    assert samsum[:4] == ["ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-LSUM"]
    assert {r.extra["metric"]["type"] for r in pegasus.results if r.metric.startswith("ROUGE")} == {
        "rouge"
    }
    hermes = _read(CARDS / "mlabonne_NeuralHermes-2.5-Mistral-7B.md")
    assert len(hermes.results) == 6
    arc = hermes.results[0]
    assert (arc.dataset, arc.metric, arc.value) == (
        "AI2 Reasoning Challenge (25-Shot)", "normalized accuracy", 66.55,
    )  # fmt: skip
    assert arc.extra["source"]["name"] == "Open LLM Leaderboard"


def test_hf_card_odd_and_empty() -> None:
    odd = _read(CARDS / "rizvandwiki_gender-classification.md")
    assert [(r.task, r.dataset, r.metric, r.value) for r in odd.results] == [
        ("Image Classification", "", "Accuracy", 0.9244444370269775)
    ]
    assert [i.severity for i in odd.issues] == ["warning"]
    assert "no dataset" in odd.issues[0].message
    empty = _read(CARDS / "openai_clip-vit-large-patch14-336.md")
    assert empty.results == [] and not empty.issues


def test_results_readers_do_not_claim_papers_or_runs() -> None:
    """A results file is not offered to the papers or runs readers' scans as theirs."""
    assert registry.reader_for(PWC / "eff.json", "results").name == "pwc-sota"  # type: ignore[union-attr]
    for kind in ("papers", "runs"):
        for r in registry.readers(kind):  # type: ignore[arg-type]
            assert r.kind == kind


def test_pwc_gzipped_dump_reads_like_the_json(tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "evaluation-tables.json.gz"
    gz.write_bytes(gzip.compress((PWC / "ogb.json").read_bytes()))
    assert _read(gz).results == [
        replace(r, source=str(gz)) for r in _read(PWC / "ogb.json").results
    ]
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(gzip.compress((PWC / "ogb.json").read_bytes())[:5000])
    with pytest.raises(ReadError, match="not a readable gzip file"):
        registry.get("pwc-sota").read(broken, no_progress, CancelToken())
