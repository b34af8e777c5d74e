"""CUPS's stock ipptool conformance files against ``ipp-wsgi serve`` with the default configuration.

Every file must run with zero failures and at least one pass (``assert_ipptool_passed``). The document is
named explicitly: ipp-2.0.test and ipp-everywhere.test use ``$filename`` only through ``INCLUDE``.
"""

from __future__ import annotations

import pytest
from harness import IppServer, Ipptool
from harness.ipptool import assert_ipptool_passed

DOCUMENT = "testfile.pdf"
CONFORMANCE_FILES = [
    "ipp-1.1.test",
    "ipp-2.0.test",
    "ipp-everywhere.test",
    "print-job.test",
    "print-job-gzip.test",
    "print-job-deflate.test",
    "create-job.test",
    "validate-job.test",
    "get-jobs.test",
    "identify-printer.test",
    "get-printer-attributes.test",
]


@pytest.mark.parametrize("test_file", CONFORMANCE_FILES)
def test_stock_ipptool_file_passes(ipp_server: IppServer, ipptool: Ipptool, test_file: str) -> None:
    result = ipptool.run(ipp_server.uri, test_file, file=DOCUMENT)
    assert_ipptool_passed(result)


def test_everywhere_prints_every_advertised_raster_sample(ipp_server: IppServer, ipptool: Ipptool) -> None:
    """The PWG raster Print-Job tests for 300 dpi (what the printer advertises) really run, not skip."""
    result = ipptool.run(ipp_server.uri, "ipp-everywhere.test", file=DOCUMENT)
    printed = [v for v in result.transcript.verdicts if "@ 300dpi" in v.name and v.outcome == "PASS"]
    assert len(printed) >= 9, result.report(only=("PASS", "SKIP", "FAIL"))
