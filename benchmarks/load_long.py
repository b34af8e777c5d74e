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
import sys

from long_profile import read_summary, run_suite, summary_path, write_summary


def main(argv: list[str] | None = None) -> int:
    """Run the long profile; return pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    summary = summary_path("load")
    status, _ = run_suite("test_load.py", {"IPP_WSGI_LOAD_SECONDS": str(args.seconds),
                                           "IPP_WSGI_LOAD_CLIENTS": str(args.clients),
                                           "IPP_WSGI_LOAD_SUMMARY": str(summary)}, args.pytest_args)
    figures = read_summary(summary, {})
    figures["pytest_status"] = status
    print(f"\nload long profile: {json.dumps(figures)}")
    write_summary(summary, figures)
    return status


if __name__ == "__main__":
    sys.exit(main())
