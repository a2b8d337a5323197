"""Every CLI error is one clear line and a non-zero exit; a closed pipe ends a command
quietly (issue #14 item 8, issue #21 item 17)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperscope.cli import main
from tests.conftest import REPO, RUNS, TEST_DATA

ATOM = TEST_DATA / "papers" / "arxiv-query.atom"
IRIS = RUNS / "iris" / "results" / "data"
DEMO_RUNS = REPO / "resources" / "demo" / "runs"


@pytest.fixture
def lib(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "lib.duckdb")
    assert main(["--library", path, "import", str(ATOM)]) == 0
    capsys.readouterr()
    return path


def _error(capsys: pytest.CaptureFixture[str]) -> list[str]:
    _out, err = capsys.readouterr()
    assert "Traceback" not in err and "Error:" not in err, err
    return err.strip().splitlines()


def test_export_into_a_missing_folder_names_the_folder(
    lib: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "dir" / "x.ris"
    assert main(["--library", lib, "export", "--format", "ris", "--out", str(out)]) == 2
    assert _error(capsys) == [
        f"paperscope: cannot write {out}: the folder {out.parent} does not exist"
    ]
    assert not (tmp_path / "missing").exists()


def test_export_onto_a_folder(lib: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", lib, "export", "--format", "csv", "--out", str(tmp_path)]) == 2
    want = f"paperscope: cannot write {tmp_path}: it is a folder; give a file name"
    assert _error(capsys) == [want]
    assert not list(tmp_path.glob("*.part"))


def test_a_bad_filter_fails_search_and_export(
    lib: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = "paperscope: year: needs a number, a comparison (>=2020) or a range (2019..2021)"
    assert main(["--library", lib, "search", "year:>=abc"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().splitlines() == [problem]
    out_file = tmp_path / "x.bib"
    rc = main(["--library", lib, "export", "--format", "bibtex", "--out", str(out_file), "year:x"])
    assert rc == 2 and not out_file.exists()
    assert _error(capsys) == [problem]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["search", "~"], 2, "paperscope: nothing to search for after '~'"),
        (["similar", "1", "--limit", "0"], 2, "paperscope: --limit must be at least 1"),
        (["similar", "1"], 2, "paperscope: paper 1 has no similar papers yet"),
        (["similar", "999"], 2, "paperscope: no paper 999 in the library"),
        (["map"], 2, "paperscope: no paper in this library has an embedding yet"),
        (["map", "--out", "{tmp}/no/m.png"], 2, "paperscope: cannot write {tmp}/no/m.png: the"),
        (["embed", "--batch-size", "0"], 2, "paperscope: --batch-size must be at least 1"),
        (["embed", "--model", "{tmp}/nomodel"], 2, "paperscope: {tmp}/nomodel is not a"),
        (["runs", "{tmp}/nothing"], 1, "skipped: {tmp}/nothing: no such file or folder"),
        (["runs", str(DEMO_RUNS), "--interval", "0"], 2, "paperscope runs: --interval must be"),
        (["plot", str(DEMO_RUNS), "--metric", "x", "--out", "{tmp}/f.gif"], 2,
         "paperscope: {tmp}/f.gif: unsupported figure format"),
        (["plot", str(DEMO_RUNS), "--metric", "x", "--out", "{tmp}/no/f.pdf"], 2,
         "paperscope: cannot write {tmp}/no/f.pdf: the folder {tmp}/no does not exist"),
        (["plot", str(DEMO_RUNS), "--metric", "x", "--out", "{tmp}/f.pdf", "--csv", "{tmp}"], 2,
         "paperscope: cannot write {tmp}: it is a folder"),
        (["plot", str(DEMO_RUNS), "--metric", "x", "--out", "{tmp}/f.pdf", "--smoothing", "2"],
         2, "paperscope: --smoothing must be in [0, 1]"),
        (["plot", "{tmp}/nothing", "--metric", "x", "--out", "{tmp}/f.pdf"], 2,
         "paperscope: no run could be read"),
        (["aggregate", "{tmp}/missing.json"], 2, "paperscope: {tmp}/missing.json: cannot read"),
        (["aggregate", str(IRIS / "SPR.json"), "--figure", "{tmp}/no/f.pdf"], 2,
         "paperscope: cannot write {tmp}/no/f.pdf"),
    ],
)  # fmt: skip
def test_every_error_exits_non_zero_with_one_line(
    lib: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["--library", lib, *argv]) == code
    lines = _error(capsys)
    assert len(lines) == 1 and lines[0].startswith(message.replace("{tmp}", str(tmp_path)))


def test_an_os_error_deep_inside_a_command_is_one_line(
    lib: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever file operation fails below the CLI, the user sees the file and the reason."""
    from paperscope.cli._common import os_error_line, run_command

    def failing(_args: object) -> int:
        open(tmp_path / "gone" / "x.csv.part", "w")  # noqa: SIM115 (a writer's temporary file)
        return 0

    assert run_command(failing, None) == 2  # type: ignore[arg-type]
    want = f"cannot write {tmp_path}/gone/x.csv: the folder {tmp_path}/gone does not exist"
    assert _error(capsys) == [f"paperscope: {want}"]
    denied = PermissionError(13, "Permission denied", "/etc/shadow")
    assert os_error_line(denied) == "/etc/shadow: Permission denied"


def _closed_pipe_run(args: list[str], home: Path) -> tuple[int, str]:
    """Run the CLI with stdout a real pipe whose reading end is already closed (what
    ``| head`` leaves once it has read enough): every write gets EPIPE."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(home)}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "paperscope", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["runs", str(DEMO_RUNS), "--json"],
        ["runs", str(DEMO_RUNS)],
        ["--library", "{lib}", "search", "a", "--json"],
        ["--library", "{lib}", "search", "a"],
        ["--library", "{lib}", "import", str(ATOM)],
        ["aggregate", str(IRIS / "SPR.json"), "--reps", "10", "--json"],
        ["aggregate", str(IRIS / "SPR.json"), "--reps", "10"],
        ["--help"],
    ],
)
def test_a_closed_pipe_ends_every_printing_verb_quietly(
    lib: str, tmp_path: Path, argv: list[str]
) -> None:
    code, err = _closed_pipe_run([a.replace("{lib}", lib) for a in argv], tmp_path)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert err == "" or "--help" not in argv
    assert code in (0, 141)  # 141 = 128 + SIGPIPE, what a shell reports for `yes | head`
    if argv[0] != "--help":
        assert code == 141


def test_runs_json_into_head_through_a_shell_pipe(tmp_path: Path) -> None:
    """``paperscope runs … --json | head -c 300`` as packaging/smoke_test_bundle.sh runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(tmp_path)}
    many = tmp_path / "many"  # more than a pipe holds, so head closes it mid-stream
    many.mkdir()
    for i in range(400):
        lines = "step,loss\n" + "".join(f"{s},{1.0 / (s + i + 1)}\n" for s in range(50))
        (many / f"run{i:03d}.csv").write_text(lines)
    script = (
        f'{{ "{sys.executable}" -m paperscope runs "{many}" --json --no-cache '
        "|| [ $? -eq 141 ]; } | head -c 300"
    )
    proc = subprocess.run(
        ["bash", "-c", f"set -euo pipefail; {script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) == 300 and proc.stdout.startswith("{")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_a_mistyped_command_opens_no_window(capsys: pytest.CaptureFixture[str]) -> None:
    """``paperscope serch x`` is not two files to open in a window."""
    assert main(["serch", "attention"]) == 2
    assert _error(capsys) == [
        "paperscope: serch: no such file or folder (a command? did you mean 'search'?)"
    ]
    assert main(["/nowhere/paper.bib"]) == 2
    assert _error(capsys) == ["paperscope: /nowhere/paper.bib: no such file or folder"]


def test_a_command_served_for_a_window_prints_into_its_answer_only(
    lib: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The window runs a forwarded command on a worker thread: what that thread prints is
    the answer; what other threads print meanwhile goes where it always went."""
    import threading

    from paperscope.cli import _parse
    from paperscope.cli._remote import encode_args, serve
    from paperscope.library.store import Store

    args = _parse(["--library", lib, "search", "attention", "--json"])
    request = {"v": 1, "command": "search", "library": lib, "args": encode_args(args)[0]}
    answers = []
    with Store(lib) as store:
        worker = threading.Thread(target=lambda: answers.append(serve(store, request)))
        worker.start()
        print("from the UI thread")
        worker.join()
        bad = serve(store, {**request, "args": {**request["args"], "query": "year:>=abc"}})
    (answer,) = answers
    assert answer["code"] == 0 and answer["stderr"] == ""
    assert '"title": "Attention Is All You Need"' in answer["stdout"]
    assert "from the UI thread" not in answer["stdout"]
    assert bad["code"] == 2 and bad["stdout"] == "" and "year:" in bad["stderr"]
    out, _ = capsys.readouterr()
    assert "from the UI thread" in out and "Attention" not in out
