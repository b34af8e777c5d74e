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
import sys

from long_profile import read_summary, run_suite, summary_path, write_summary


def main(argv: list[str] | None = None) -> int:
    """Run the long profile; return pytest's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=25.0, help="multiplier of every test's examples")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    summary = summary_path("fuzz")
    status, elapsed = run_suite("test_fuzz_app.py", {"IPP_WSGI_FUZZ_EXAMPLES": str(args.scale),
                                                     "IPP_WSGI_FUZZ_SUMMARY": str(summary)}, args.pytest_args)
    counts = read_summary(summary, {"inputs": {}, "total": 0})
    counts.update(scale=args.scale, seconds=round(elapsed, 1), pytest_status=status)
    print(f"\nfuzz long profile: {counts['total']} inputs in {elapsed:.0f} s, pytest status {status}")
    write_summary(summary, counts)
    return status


if __name__ == "__main__":
    sys.exit(main())
