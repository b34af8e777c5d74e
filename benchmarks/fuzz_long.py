"""The long fuzz profile of the hostile-input suite: ``python benchmarks/fuzz_long.py [--scale N]``.

Runs ``tests/hostile/test_fuzz_app.py`` (the whole WSGI app under mutated captures, random bodies, random
operations and random HTTP requests, plus the memory bounds) with every test's example count multiplied by
``--scale`` (default 25: about 100,000 inputs, several minutes on a 2-core machine; the CI quick profile is
scale 1, ~4,300 inputs). Prints the inputs tried per test and writes them, with the outcome, as JSON to
``benchmarks/results/fuzz-<timestamp>.json``. Extra arguments after ``--`` go to pytest (for instance
``-- --hypothesis-seed=1``). Exits with pytest's status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SUITE = ROOT / "tests" / "hostile" / "test_fuzz_app.py"


def main(argv: list[str] | None = None) -> int:
    """Run the long profile; return pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=25.0, help="multiplier of every test's examples")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    summary = RESULTS / f"fuzz-{stamp}.json"
    env = {**os.environ, "IPP_WSGI_FUZZ_EXAMPLES": str(args.scale), "IPP_WSGI_FUZZ_SUMMARY": str(summary)}
    started = time.monotonic()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SUITE), *args.pytest_args]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    elapsed = time.monotonic() - started
    counts = json.loads(summary.read_text()) if summary.exists() else {"inputs": {}, "total": 0}
    counts.update(scale=args.scale, seconds=round(elapsed, 1), pytest_status=result.returncode)
    summary.write_text(json.dumps(counts, indent=2))
    total, status = counts["total"], result.returncode
    print(f"\nfuzz long profile: {total} inputs in {elapsed:.0f} s, pytest status {status}")
    print(f"written to {summary}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
