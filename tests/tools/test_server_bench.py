"""benchmarks/server_bench.py: its command line and its table, with figures made up (no server runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


bench = load_script(ROOT / "benchmarks" / "server_bench.py")
CODEC = {"decode_response": {"ours": 10.0, "pyipp": 1.0, "ratio": 10.0},
         "encode_get-printer-attributes": {"ours": 3.0, "pyipp": 1.0, "ratio": 3.0},
         "encode_print-job": {"ours": 3.0, "pyipp": 1.0, "ratio": 3.0}}


def stream(mib_per_s: float) -> dict[str, float]:
    """A Print-Job figure of :func:`server_bench.print_job_stream`."""
    return {"mib_per_s": mib_per_s, "rss_peak_mib": 100.0, "pss_peak_mib": 50.0, "rss_growth_mib": 1.0,
            "pss_growth_mib": 1.0}


def results(pg: bool) -> dict[str, Any]:
    """Figures of ipp-wsgi and cupsd, and of ipp-wsgi on PostgreSQL when ``pg``."""
    figures: dict[str, dict[str, Any]] = {
        "gpa_small_c1_req_per_s": {"ipp-wsgi": 1000.0, "cupsd": 500.0, "ipp-wsgi-pg": 950.0},
        "print_job_20mib_length": {"ipp-wsgi": stream(500.0), "cupsd": stream(250.0),
                                   "ipp-wsgi-pg": stream(300.0)},
        "small_jobs_per_s": {"ipp-wsgi": 800.0, "cupsd": 700.0, "ipp-wsgi-pg": 600.0},
        "get_jobs_10_req_per_s": {"ipp-wsgi": 4000.0, "cupsd": 2000.0, "ipp-wsgi-pg": 1000.0},
        "get_jobs_2000_req_per_s": {"ipp-wsgi": 2000.0, "cupsd": 1000.0, "ipp-wsgi-pg": 800.0},
    }
    if not pg:
        for each in figures.values():
            del each["ipp-wsgi-pg"]
    return figures


def test_store_defaults_to_sqlite_and_accepts_postgresql() -> None:
    assert bench.parser().parse_args([]).store == "sqlite"
    assert bench.parser().parse_args(["--quick", "--store", "postgresql"]).store == "postgresql"
    with pytest.raises(SystemExit):
        bench.parser().parse_args(["--store", "mysql"])


def test_goals_give_the_ratio_to_sqlite_and_whether_it_was_met() -> None:
    lines = bench.pg_goals(results(pg=True))
    assert len(lines) == 3, lines
    gpa, print_job, small = lines
    assert "gpa_small_c1_req_per_s" in gpa and "0.95x" in gpa and gpa.endswith(": met")  # within 10%
    assert "print_job_20mib_length" in print_job and "0.60x" in print_job and print_job.endswith("MISSED")
    assert "small_jobs_per_s" in small and "0.75x" in small and small.endswith(": met")


def test_table_adds_postgresql_columns_only_when_measured() -> None:
    with_pg = bench.table(results(pg=True), CODEC)
    assert with_pg[0].split()[-2:] == ["ipp-wsgi-pg", "pg/sqlite"]
    (small,) = [row for row in with_pg if row.startswith("small_jobs_per_s ")]
    assert small.split()[-2:] == ["600.0", "0.75x"]
    assert any(row.startswith("ipp-wsgi-pg Get-Jobs latency many/few jobs") for row in with_pg)
    without = bench.table(results(pg=False), CODEC)
    assert "ipp-wsgi-pg" not in "\n".join(without) and "pg/sqlite" not in "\n".join(without)
    (small,) = [row for row in without if row.startswith("small_jobs_per_s ")]
    assert small.split()[1:] == ["800.0", "700.0", "1.14x"]
