"""IPP/2.1 conformance against ``ipp-wsgi serve`` (default configuration): CUPS's stock ``ipp-2.1.test``
run as an IPP/2.1 client, the stock subscription files, and our own end-to-end ippget file.

``ipp-2.2.test`` is not run here yet: the server does not advertise IPP/2.2 until it passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import IppServer, Ipptool
from harness.ipptool import assert_ipptool_passed

DOCUMENT = "testfile.pdf"
OWN_FILES = Path(__file__).parent / "ipptool"


def test_ipp_2_1_passes_as_an_ipp_2_1_client(ipp_server: IppServer, ipptool: Ipptool) -> None:
    result = ipptool.run(ipp_server.uri, "ipp-2.1.test", file=DOCUMENT, options=["-V", "2.1"])
    assert_ipptool_passed(result)


@pytest.mark.parametrize("test_file", ["create-printer-subscription.test", "get-subscriptions.test"])
def test_stock_subscription_file_passes(ipp_server: IppServer, ipptool: Ipptool, test_file: str) -> None:
    result = ipptool.run(ipp_server.uri, test_file, options=["-V", "2.1"])
    assert_ipptool_passed(result)


def test_ippget_notifications_end_to_end(ipp_server: IppServer, ipptool: Ipptool) -> None:
    """Subscriptions made by Create-Printer-Subscriptions and Print-Job deliver job events in order."""
    result = ipptool.run(ipp_server.uri, OWN_FILES / "notifications.test", file=DOCUMENT,
                         options=["-V", "2.1"])
    assert_ipptool_passed(result)
    assert result.transcript.passed >= 11, result.report(only=("PASS", "SKIP", "FAIL"))


def test_subscriptions_and_events_survive_a_restart(ipp_server: IppServer, ipptool: Ipptool) -> None:
    """A subscription made before a restart still exists and keeps its events after it."""
    first = ipptool.run(ipp_server.uri, "create-printer-subscription.test", options=["-V", "2.1"])
    assert_ipptool_passed(first)
    ipp_server.restart()
    listed = ipptool.run(ipp_server.uri, OWN_FILES / "subscription-1-exists.test", options=["-V", "2.1"])
    assert_ipptool_passed(listed)
