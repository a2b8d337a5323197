"""The command line: no arguments opens the GUI; each subcommand is a module here.

Every ``cmd_<name>.py`` in this package defines ``add_parser(subparsers)`` which adds
its subparser and sets ``func=run`` (``run(args) -> int``). Command modules import
nothing heavy at module level: ``paperscope --version`` must stay instant.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from paperscope import __version__

_VALUE_OPTIONS = ("--library", "--screenshot")

# One module ``cmd_<name>.py`` per subcommand, in --help order. Listed, not discovered, so a
# frozen app finds them; tests/test_cli.py checks every cmd_*.py is here.
COMMANDS = (
    "import", "search", "export", "embed", "map", "similar", "runs", "plot", "aggregate",
    "link", "unlink", "results", "table", "tag", "rate", "status", "recommend", "vectors",
    "merge",
)  # fmt: skip


def _global_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--version", action="version", version=f"PaperScope {__version__}")
    common.add_argument(
        "--library", type=Path, metavar="PATH",
        help="the library file (default: library.duckdb in the user data folder)",
    )  # fmt: skip
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options, the GUI's options and every subcommand."""
    parser = argparse.ArgumentParser(
        prog="paperscope",
        parents=[_global_options()],
        description="Papers, a semantic map of them, and your experiment results in one window. "
        "Without a COMMAND the window opens (on FILE... if given).",
    )
    _add_gui_options(parser, with_files=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.cmd_{name}").add_parser(sub)
    return parser


def _add_gui_options(parser: argparse.ArgumentParser, with_files: bool) -> None:
    parser.add_argument(
        "--demo", action="store_true",
        help="open a fresh demo library (the bundled daily-papers page and demo runs)",
    )  # fmt: skip
    parser.add_argument(
        "--screenshot", type=Path, metavar="PNG",
        help="render the main window offscreen to PNG and exit",
    )  # fmt: skip
    if with_files:
        parser.add_argument("files", nargs="*", type=Path, help="files or folders to open")


def _first_positional(argv: Sequence[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    sub_action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if _first_positional(argv) in sub_action.choices or "-h" in argv or "--help" in argv:
        return parser.parse_args(argv)
    gui_parser = argparse.ArgumentParser(prog="paperscope", parents=[_global_options()])
    _add_gui_options(gui_parser, with_files=True)
    return gui_parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(argv)
    except SystemExit:  # --version, --help and usage errors printed and leave
        try:
            sys.stdout.flush()  # (a closed pipe shows here, not in Python's flush at exit)
        except BrokenPipeError:
            from paperscope.cli._common import quiet_broken_pipe

            return quiet_broken_pipe()
        raise
    func = getattr(args, "func", None)
    if func is not None:
        from paperscope.cli._common import run_command

        return run_command(func, args)
    if getattr(args, "command", None) is None and not hasattr(args, "files"):
        args.files = []
    missing = [f for f in args.files if not Path(f).exists()]
    if missing and len(missing) == len(args.files):
        # nothing to open: a typo'd command (or a wrong path) must not open a window
        first = str(missing[0])
        close = difflib.get_close_matches(first, COMMANDS, n=1)
        hint = f" (a command? did you mean '{close[0]}'?)" if close else ""
        print(f"paperscope: {first}: no such file or folder{hint}", file=sys.stderr)
        return 2
    from paperscope.cli._remote import serve
    from paperscope.gui.app import main as gui_main

    return gui_main(args, command_handler=serve)
