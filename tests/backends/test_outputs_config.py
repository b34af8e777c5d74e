"""Network output settings: device-uri checks, the config keys (device_options) and the retry back-off."""

from __future__ import annotations

from typing import Any

import pytest

from ipp_wsgi.backends.embedded import EmbeddedPrinter
from ipp_wsgi.backends.embedded.delivery import DeliveryError
from ipp_wsgi.backends.embedded.outputs_ipp import pick_document_format
from ipp_wsgi.backends.embedded.printer import DEVICE_KEYS, RetryPolicy, device_options
from ipp_wsgi.codec import AttributeGroup, tags


def test_device_options_reads_every_key() -> None:
    options = device_options({"device_uri": "socket://printer.example:9101", "device_timeout": 7,
                              "retries": 2, "retry_delay": 0.5, "retry_delay_max": 4})
    assert options == {"device_uri": "socket://printer.example:9101", "device_timeout": 7.0,
                       "retry": RetryPolicy(attempts=3, delay=0.5, max_delay=4.0)}
    assert set(DEVICE_KEYS) == {"device_uri", "device_timeout", "retries", "retry_delay", "retry_delay_max"}
    printer = EmbeddedPrinter("p", output="socket", **options)
    assert printer.retry.attempts == 3


def test_device_options_defaults() -> None:
    assert device_options({}) == {"device_uri": "", "device_timeout": 30.0, "retry": RetryPolicy()}


@pytest.mark.parametrize("values", [
    {"retries": 1.5}, {"retries": True}, {"retries": -1}, {"retry_delay": "5"}, {"device_timeout": 0},
    {"device_uri": 9100},
])
def test_device_options_refuses_bad_values(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        device_options(values)


@pytest.mark.parametrize(("output", "uri"), [
    ("socket", ""), ("socket", "lpd://h/q"), ("socket", "socket://h:notaport"), ("ipp", "http://h/ipp"),
    ("lpd", "lpd://h"), ("lpd", "lpd:///queue"),
])
def test_network_outputs_need_a_matching_device_uri(output: str, uri: str) -> None:
    with pytest.raises(ValueError, match="device_uri"):
        EmbeddedPrinter("p", output=output, device_uri=uri)


@pytest.mark.parametrize(("output", "uri"), [
    ("socket", "socket://h"), ("lpd", "lpd://h:5515/q"), ("ipp", "ipp://h/ipp/print"), ("ipp", "ipps://h:443/x"),
])
def test_good_device_uris_are_accepted(output: str, uri: str) -> None:
    assert EmbeddedPrinter("p", output=output, device_uri=uri).device_uri == uri


def test_back_off_doubles_up_to_the_maximum() -> None:
    policy = RetryPolicy(attempts=6, delay=5.0, max_delay=30.0)
    assert [policy.delay_before(n) for n in range(1, 6)] == [5.0, 10.0, 20.0, 30.0, 30.0]


def test_ipp_document_format_falls_back_to_octet_stream_or_refuses() -> None:
    capabilities = AttributeGroup()
    assert pick_document_format("application/pdf", capabilities) == "application/pdf"
    capabilities.add("document-format-supported", ["image/pwg-raster", "application/octet-stream"],
                     tag=tags.MIME_MEDIA_TYPE)
    assert pick_document_format("application/pdf", capabilities) == "application/octet-stream"
    assert pick_document_format("image/pwg-raster", capabilities) == "image/pwg-raster"
    capabilities.add("document-format-supported", ["image/pwg-raster"], tag=tags.MIME_MEDIA_TYPE)
    with pytest.raises(DeliveryError) as refused:
        pick_document_format("application/pdf", capabilities)
    assert not refused.value.retryable
