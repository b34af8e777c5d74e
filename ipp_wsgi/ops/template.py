"""Job template checks: each requested value against the printer's ``*-supported`` values.

:func:`check_template` splits a request's job attributes into those the printer honours and those it does
not (reported in the unsupported-attributes group: the attribute with its values when a value is not
supported, with the out-of-band ``unsupported`` value when the printer does not know the attribute).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ipp_wsgi.codec import UNSUPPORTED, Attribute, AttributeGroup, Collection, Range, tags
from ipp_wsgi.ops.printer_description import JOB_TEMPLATE

_KEYWORDISH = frozenset({tags.KEYWORD, tags.NAME_WITHOUT_LANGUAGE, tags.NAME_WITH_LANGUAGE})
_SINGLE = frozenset({
    "copies", "job-hold-until", "job-priority", "media", "media-col", "multiple-document-handling",
    "number-up", "orientation-requested", "output-bin", "print-color-mode", "print-content-optimize",
    "print-quality", "print-rendering-intent", "print-scaling", "printer-resolution", "sides",
})
_MEDIA_COL_MEMBERS = ("media-source", "media-type")
_MARGINS = ("media-bottom-margin", "media-left-margin", "media-right-margin", "media-top-margin")

Check = Callable[[Attribute, AttributeGroup], bool]


def _supported(printer: AttributeGroup, name: str) -> list[Any]:
    attr = printer.get(f"{name}-supported")
    return list(attr.values) if attr is not None else []


def _one_of(expected_tags: frozenset[int]) -> Check:
    def check(attr: Attribute, printer: AttributeGroup) -> bool:
        allowed = _supported(printer, attr.name)
        return all(t in expected_tags and v in allowed for t, v in zip(attr.tags, attr.values, strict=True))

    return check


def _in_range(attr: Attribute, printer: AttributeGroup) -> bool:
    bounds = [v for v in _supported(printer, attr.name) if isinstance(v, Range)]
    return all(t == tags.INTEGER and any(r.lower <= v <= r.upper for r in bounds)
               for t, v in zip(attr.tags, attr.values, strict=True))


def _up_to(attr: Attribute, printer: AttributeGroup) -> bool:
    # job-priority-supported is the number of levels; any 1..100 is accepted and mapped.
    return all(t == tags.INTEGER and 1 <= v <= 100 for t, v in zip(attr.tags, attr.values, strict=True))


def _page_ranges(attr: Attribute, printer: AttributeGroup) -> bool:
    if printer.value("page-ranges-supported") is not True:
        return False
    previous = 0
    for tag, value in zip(attr.tags, attr.values, strict=True):
        if tag != tags.RANGE_OF_INTEGER or not previous < value.lower <= value.upper:
            return False
        previous = value.upper
    return True


def _media_col(attr: Attribute, printer: AttributeGroup) -> bool:
    return all(tag == tags.BEG_COLLECTION and _media_col_ok(value, printer)
               for tag, value in zip(attr.tags, attr.values, strict=True))


def _media_col_ok(col: Collection, printer: AttributeGroup) -> bool:
    known = {"media-size", "media-size-name", *_MEDIA_COL_MEMBERS, *_MARGINS}
    if any(name not in known for name in col):
        return False
    size = col.value("media-size")
    if size is not None:
        dims = (size.value("x-dimension"), size.value("y-dimension"))
        sizes = printer.get("media-size-supported")
        if sizes is None or dims not in {(s.value("x-dimension"), s.value("y-dimension")) for s in sizes}:
            return False
    if "media-size-name" in col and col.value("media-size-name") not in _supported(printer, "media"):
        return False
    if any(name in col and col.value(name) not in _supported(printer, name) for name in _MEDIA_COL_MEMBERS):
        return False
    return all(name not in col or col.value(name) in _supported(printer, name) for name in _MARGINS)


def _overrides(attr: Attribute, printer: AttributeGroup) -> bool:
    return all(tag == tags.BEG_COLLECTION for tag in attr.tags)


_CHECKS: dict[str, Check] = {
    "copies": _in_range,
    "finishings": _one_of(frozenset({tags.ENUM})),
    "job-hold-until": _one_of(_KEYWORDISH),
    "job-priority": _up_to,
    "job-sheets": _one_of(_KEYWORDISH),
    "media": _one_of(_KEYWORDISH),
    "media-col": _media_col,
    "multiple-document-handling": _one_of(frozenset({tags.KEYWORD})),
    "number-up": _one_of(frozenset({tags.INTEGER})),
    "orientation-requested": _one_of(frozenset({tags.ENUM})),
    "output-bin": _one_of(_KEYWORDISH),
    "overrides": _overrides,
    "page-ranges": _page_ranges,
    "print-color-mode": _one_of(frozenset({tags.KEYWORD})),
    "print-content-optimize": _one_of(frozenset({tags.KEYWORD})),
    "print-quality": _one_of(frozenset({tags.ENUM})),
    "print-rendering-intent": _one_of(frozenset({tags.KEYWORD})),
    "print-scaling": _one_of(frozenset({tags.KEYWORD})),
    "printer-resolution": _one_of(frozenset({tags.RESOLUTION})),
    "sides": _one_of(frozenset({tags.KEYWORD})),
}
assert set(_CHECKS) == set(JOB_TEMPLATE), "every accepted job template attribute has a check"


def check_template(job: AttributeGroup | None, printer: AttributeGroup,
                   settable: frozenset[str] | None = None) -> tuple[AttributeGroup, list[Attribute]]:
    """Split job attributes into the accepted ones and the unsupported ones to report.

    ``settable`` further limits the attribute names accepted (Set-Job-Attributes also takes job-name).
    """
    accepted = AttributeGroup()
    unsupported: list[Attribute] = []
    for attr in job.attributes() if job is not None else ():
        check = _CHECKS.get(attr.name)
        if settable is not None and attr.name in settable and check is None:
            accepted.append(attr)
        elif check is None or f"{attr.name}-supported" not in printer or (
                settable is not None and attr.name not in settable):
            unsupported.append(Attribute(attr.name, [tags.UNSUPPORTED], [UNSUPPORTED]))
        elif (attr.name in _SINGLE and len(attr) != 1) or not check(attr, printer):
            unsupported.append(attr)
        else:
            accepted.append(attr)
    return accepted, unsupported
