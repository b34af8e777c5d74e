"""The long profile of the load test: ``python benchmarks/load_long.py [--seconds S] [--clients N]``.

Runs ``tests/hostile/test_load.py`` (concurrent clients against ``ipp-wsgi serve`` with 4 gunicorn
workers, mixing Print-Job, Get-Jobs, Get-Job-Attributes and Cancel-Job; then every job and output is
checked) for 60 s with 16 clients by default; the CI quick profile is 15 s. Prints the figures (requests
by operation, jobs and outputs checked, problems) and writes them, with pytest's outcome, as JSON to
``benchmarks/results/load-<timestamp>.json``. Extra arguments after ``--`` go to pytest. Exits with pytest's
status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SUITE = ROOT / "tests" / "hostile" / "test_load.py"


def main(argv: list[str] | None = None) -> int:
    """Run the long profile; return pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    summary = RESULTS / f"load-{stamp}.json"
    env = {**os.environ, "IPP_WSGI_LOAD_SECONDS": str(args.seconds),
           "IPP_WSGI_LOAD_CLIENTS": str(args.clients), "IPP_WSGI_LOAD_SUMMARY": str(summary)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SUITE), *args.pytest_args]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    figures = json.loads(summary.read_text()) if summary.exists() else {}
    figures["pytest_status"] = result.returncode
    summary.write_text(json.dumps(figures, indent=2))
    print(f"\nload long profile: {json.dumps(figures)}")
    print(f"written to {summary}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
