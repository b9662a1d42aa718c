"""`python -m contracts.asyncapi [PATH] [--check]`: write or check the AsyncAPI document."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contracts.asyncapi.document import render_yaml

DEFAULT_PATH = "docs/asyncapi.yaml"


def main(argv: list[str] | None = None) -> int:
    """Write the document to PATH, or with --check exit 1 when PATH is not current."""
    args = _parser().parse_args(argv)
    path = Path(args.path)
    expected = render_yaml()
    if args.check:
        return _check(path, expected)
    # No mkdir: a missing docs/ means we run from the wrong directory, not a new repo.
    path.write_text(expected, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _check(path: Path, expected: str) -> int:
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == expected:
        return 0
    print(f"{path} is out of date; run `python -m contracts.asyncapi {path}`", file=sys.stderr)
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m contracts.asyncapi", description=__doc__)
    parser.add_argument("path", nargs="?", default=DEFAULT_PATH,
                        help=f"where the document lives (default: {DEFAULT_PATH}, from the repo root)")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from the registry")
    return parser
