"""requested-attributes selection: the names-only shortcut picks exactly what the general rule picks."""

from __future__ import annotations

import pytest

from ipp_wsgi.codec import AttributeGroup, tags
from ipp_wsgi.ops.printer_description import PrinterDescription, build_description
from ipp_wsgi.ops.requested import JOB, PRINTER, parse_requested, select


@pytest.fixture(scope="module")
def printer() -> AttributeGroup:
    group = build_description("print", PrinterDescription())
    group.add("printer-state", 3, tags.ENUM)
    return group


@pytest.mark.parametrize("keywords", [
    ["printer-state", "copies-supported", "media-col-database"],
    ["media-col-database"],
    ["no-such-attribute"],
    [],
    ["all"],
    ["all", "media-col-database"],
    ["job-template", "printer-state"],
    ["printer-description"],
])
@pytest.mark.parametrize("kind", [PRINTER, JOB])
def test_select_keeps_what_wants_says_in_group_order(printer: AttributeGroup, keywords: list[str],
                                                     kind: str) -> None:
    requested = parse_requested(keywords)
    expected = [a.name for a in printer.attributes() if requested.wants(a.name, kind)]
    assert select(printer, requested, kind).names() == expected


def test_names_only_request_returns_just_those_names(printer: AttributeGroup) -> None:
    chosen = select(printer, parse_requested(["printer-state", "copies-supported", "no-such"]), PRINTER)
    assert sorted(chosen.names()) == ["copies-supported", "printer-state"]


def test_all_leaves_out_what_is_only_sent_by_name(printer: AttributeGroup) -> None:
    assert "media-col-database" in printer
    everything = select(printer, parse_requested(["all"]), PRINTER)
    assert "media-col-database" not in everything
    assert len(everything) == len(printer) - 1
