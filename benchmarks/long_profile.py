"""What the long-profile scripts (``fuzz_long.py``, ``load_long.py``) share: run one test file of
``tests/hostile`` under pytest with settings in its environment, and keep its figures as JSON in
``benchmarks/results``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def summary_path(kind: str) -> Path:
    """A new ``benchmarks/results/<kind>-<timestamp>.json`` for the suite to write its figures to."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"{kind}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.json"


def run_suite(test_file: str, settings: Mapping[str, str], pytest_args: Sequence[str]) -> tuple[int, float]:
    """Run ``tests/hostile/<test_file>`` with *settings* added to the environment: pytest's exit status and
    the seconds it took."""
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               str(ROOT / "tests" / "hostile" / test_file), *pytest_args]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **settings}, check=False)
    return result.returncode, time.monotonic() - started


def read_summary(path: Path, default: dict[str, Any]) -> dict[str, Any]:
    """The figures the suite wrote to *path*, or *default* when it wrote none (it failed early)."""
    figures: dict[str, Any] = json.loads(path.read_text()) if path.exists() else default
    return figures


def write_summary(path: Path, figures: Mapping[str, Any]) -> None:
    """Write *figures* back to *path*, with what the script added, and say where."""
    path.write_text(json.dumps(figures, indent=2))
    print(f"written to {path}")
