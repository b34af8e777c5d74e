#!/usr/bin/env python3
"""Generate ``ipp_wsgi/codec/_registry_data.py`` from the IANA IPP registry, its errata and CUPS extensions.

Usage::

    python tools/gen_registry.py IANA_FOLDER [-o OUT] [--cups-spec SPEC_HTML]
    python tools/gen_registry.py ipp-registrations.xml errata.xml cups.xml [-o OUT] [--cups-spec SPEC_HTML]

Inputs:

* ``ipp-registrations.xml``: the IANA "Internet Printing Protocol (IPP) Registrations" registry.
* ``errata.xml``: corrections over the registry (records that replace broken ones, ``<subst>`` for
  ambiguous member links, ``<use-members>`` for missing links, ``<skip>`` for dropped attributes).
* ``cups.xml``: CUPS extension attributes, merged into the registry's records.
* ``--cups-spec``: CUPS's own ``spec-ipp.html`` (Debian package cups-server-common), whose operations
  table is the source of the CUPS vendor operation-ids (0x4001...), which none of the XML files carry.

The errata and CUPS files hold SGML-style ``<! ... !>`` comments; they are removed before parsing.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from pprint import pformat

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "ipp_wsgi" / "codec" / "_registry_data.py"
DEFAULT_CUPS_SPEC = Path("/usr/share/cups/doc-root/help/spec-ipp.html")
INPUT_NAMES = ("ipp-registrations.xml", "errata.xml", "cups.xml")

# Tag values are read from the registry's own tag tables (see `value_tag_numbers`); these map the
# words used in attribute syntaxes to those tables' names.
_SYNTAX_WORDS: dict[str, tuple[str, ...]] = {
    "integer": ("integer",),
    "boolean": ("boolean",),
    "enum": ("enum",),
    "octetstring": ("octetString",),
    "datetime": ("dateTime",),
    "resolution": ("resolution",),
    "rangeofinteger": ("rangeOfInteger",),
    "collection": ("begCollection",),
    "text": ("textWithoutLanguage", "textWithLanguage"),
    "name": ("nameWithoutLanguage", "nameWithLanguage"),
    "keyword": ("keyword",),
    "uri": ("uri",),
    "urischeme": ("uriScheme",),
    "charset": ("charset",),
    "naturallanguage": ("naturalLanguage",),
    "mimemediatype": ("mimeMediaType",),
    "memberattrname": ("memberAttrName",),
}
_OUT_OF_BAND_WORDS = frozenset({"unsupported", "default", "unknown", "no-value", "not-settable",
                                "delete-attribute", "admin-define"})
_IGNORED_WORDS = frozenset({"type1", "type2", "type3"})

# "MAX" of each string syntax (RFC 8011 section 5.1); a string syntax without a limit is (MAX).
_MAX_LENGTH = {"text": 1023, "name": 255, "keyword": 255, "uri": 1023, "urischeme": 63, "charset": 63,
               "naturallanguage": 63, "mimemediatype": 255, "octetstring": 1023, "memberattrname": 255}
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# Preferred group when an attribute is looked up without one: the request/Job groups first.
GROUP_ORDER = ("Operation", "Job Template", "Job Description", "Job Status", "Printer Description",
               "Printer Status", "Document Template", "Document Description", "Document Status",
               "Subscription Template", "Subscription Status", "Event Notifications", "System Description",
               "System Status", "Resource Description", "Resource Status")

_SUFFIX = re.compile(r"\((extension|deprecated|obsolete)\)")
_COMMENT = re.compile(r"<!(?!--|\[CDATA\[|DOCTYPE).*?!>", re.DOTALL)
_BOUND = r"\s*(-?\d+|MIN|MAX)\s*"
_TOKEN = re.compile(
    rf"(?P<set>1setof)|(?P<word>[a-z][a-z0-9-]*)|\((?P<lo>{_BOUND})(?::(?P<hi>{_BOUND}))?\)"
    rf"|:(?P<clo>{_BOUND}):(?P<chi>{_BOUND})",
    re.IGNORECASE,
)
_MEMBER_LINK = re.compile(r'<\s*any\s+"([^"]+)"\s+member attribute\s*>', re.IGNORECASE)
_GROUP_LINK = re.compile(r"<\s*any\s+(.+?)\s+attribute\s*>", re.IGNORECASE)
_VALUE_LINK = re.compile(r'<\s*any\s+"([^"]+)"[^>]*>|<\s*all\s+([a-z0-9-]+)\s+values\s*>', re.IGNORECASE)
_VALUE_EXCEPT = re.compile(r"other than '([^']+)'")


class RegistryError(Exception):
    """Input the generator cannot make sense of."""


# ---------------------------------------------------------------------------------------------- input
def load_xml(path: Path) -> ET.Element:
    """Parse one registry file, dropping SGML comments and the XML namespace."""
    text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
    root = ET.fromstring(text)
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    return root


def registries(root: ET.Element) -> dict[str, ET.Element]:
    """The sub-registries of the IANA file by title."""
    return {reg.findtext("title", ""): reg for reg in root.findall("registry")}


def clean(name: str) -> tuple[str, frozenset[str]]:
    """A record name without its "(extension)"/"(deprecated)"/"(obsolete)" suffixes, and the suffixes."""
    return _SUFFIX.sub("", name).strip(), frozenset(_SUFFIX.findall(name))


def clean_path(path: str) -> tuple[str, ...]:
    """``"Group/attr(obsolete)/member"`` as ``("Group", "attr", "member")``."""
    return tuple(clean(part)[0] for part in path.split("/"))


# --------------------------------------------------------------------------------------------- syntax
@dataclass
class Syntax:
    """An attribute syntax as parsed from the registry's text (tag names, not numbers)."""

    tags: list[str] = field(default_factory=list)
    set_of: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    out_of_band: list[str] = field(default_factory=list)
    obsolete: bool = False

    def merge(self, other: Syntax) -> None:
        """Widen this syntax to also allow what ``other`` allows (an "(extension)" record)."""
        self.tags += [t for t in other.tags if t not in self.tags]
        self.out_of_band += [t for t in other.out_of_band if t not in self.out_of_band]
        self.set_of = self.set_of or other.set_of
        self.min = _widest(min, self.min, other.min)
        self.max = _widest(max, self.max, other.max)
        self.max_length = _widest(max, self.max_length, other.max_length)
        self.obsolete = self.obsolete and other.obsolete


def _widest(pick: Callable[[int, int], int], a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else pick(a, b)


def _bound(text: str) -> int:
    text = text.strip().upper()
    return INT_MIN if text == "MIN" else INT_MAX if text == "MAX" else int(text)


def parse_syntax(text: str) -> Syntax:
    """Parse e.g. ``1setOf (type2 keyword | name(MAX))`` or ``integer(1:65535) | no-value``."""
    syntax = Syntax()
    alternatives: list[list[str | None]] = []  # [word, low, high] of each syntax word
    for match in _TOKEN.finditer(text):
        if match["set"]:
            syntax.set_of = True
        elif match["word"]:
            word = match["word"].lower()
            if word in _OUT_OF_BAND_WORDS:
                syntax.out_of_band.append(word)
            elif word not in _IGNORED_WORDS:
                alternatives.append([word, None, None])
        elif not alternatives or alternatives[-1][1] is not None:
            raise RegistryError(f"limit without a syntax to bound in {text!r}")
        else:
            alternatives[-1][1:] = [match["lo"], match["hi"]] if match["lo"] else [match["clo"], match["chi"]]
    for word, low, high in alternatives:
        assert word is not None
        _add_alternative(syntax, word, low, high, text)
    if not syntax.tags and not syntax.out_of_band:
        raise RegistryError(f"no syntax in {text!r}")
    return syntax


def _add_alternative(syntax: Syntax, word: str, low: str | None, high: str | None, text: str) -> None:
    if word not in _SYNTAX_WORDS:
        raise RegistryError(f"unknown syntax word {word!r} in {text!r}")
    syntax.tags += [t for t in _SYNTAX_WORDS[word] if t not in syntax.tags]
    if word in ("integer", "rangeofinteger"):
        # "integer(MAX)" bounds only the top; no limit is the whole 32-bit range.
        lo, hi = (INT_MIN, INT_MAX) if low is None else (INT_MIN, _bound(low)) if high is None else (
            _bound(low), _bound(high))
        syntax.min = _widest(min, syntax.min, lo)
        syntax.max = _widest(max, syntax.max, hi)
    elif word in _MAX_LENGTH:
        length = _MAX_LENGTH[word] if low is None or low.strip().upper() == "MAX" else _bound(low)
        syntax.max_length = _widest(max, syntax.max_length, length)
    elif low is not None:
        raise RegistryError(f"{word} takes no limit in {text!r}")


# -------------------------------------------------------------------------------------- attributes
Path_ = tuple[str, ...]  # ("Group", "attribute"[, "member"[, "sub-member"]])


@dataclass
class Attributes:
    """Attribute records merged from registry, CUPS and errata, plus the collection member links."""

    syntaxes: dict[Path_, Syntax] = field(default_factory=dict)
    links: dict[Path_, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)
    substitutions: dict[str, Path_] = field(default_factory=dict)

    def add(self, path: Path_, syntax: Syntax, replace: bool) -> None:
        """Add one record; records for the same path widen each other unless ``replace`` (errata)."""
        if path in self.syntaxes and not replace:
            self.syntaxes[path].merge(syntax)
        else:
            self.syntaxes[path] = syntax

    def link(self, path: Path_, target: str, excluded: Iterable[str] = ()) -> None:
        """Give the collection at ``path`` the members of ``target`` (a path, name or group)."""
        self.links.setdefault(path, []).append((target, frozenset(excluded)))


def read_attribute_records(attrs: Attributes, registry: ET.Element, skipped: set[str], replace: bool) -> None:
    """Add the ``<record>`` children of an Attributes registry (IANA, errata or CUPS)."""
    for record in registry.findall("record"):
        group = record.findtext("collection", "").strip()
        raw = [record.findtext(k, "").strip() for k in ("name", "member_attribute", "sub-member_attribute")]
        raw = [r for r in raw if r]
        if any("/".join([group, *raw[: i + 1]]) in skipped for i in range(len(raw))):
            continue
        last = raw[-1]
        parent = (group, *(clean(r)[0] for r in raw[:-1]))
        member_link = _MEMBER_LINK.fullmatch(last)
        group_link = _GROUP_LINK.fullmatch(last)
        if member_link:
            attrs.link(parent, member_link[1])
        elif group_link:
            attrs.link(parent, group_link[1].title())
        elif (text := record.findtext("syntax", "").strip()):
            name, flags = clean(last)
            syntax = parse_syntax(text)
            syntax.obsolete = "obsolete" in flags
            attrs.add((*parent, name), syntax, replace)


def read_errata_links(attrs: Attributes, registry: ET.Element) -> None:
    """``<subst>`` and ``<use-members>`` entries of the errata."""
    for subst in registry.findall("subst"):
        attrs.substitutions[subst.findtext("name", "").strip()] = clean_path(subst.findtext("path", ""))
    for use in registry.findall("use-members"):
        excluded = [e.text.strip() for e in use.findall("except") if e.text]
        for name in use.findall("name"):
            for target in use.findall("use"):
                attrs.link(clean_path(name.text or ""), (target.text or "").strip(), excluded)


def skipped_names(registry: ET.Element) -> set[str]:
    """Raw ``Group/name`` paths the errata drop."""
    return {(n.text or "").strip() for skip in registry.findall("skip") for n in skip.findall("name")}


class MemberResolver:
    """Works out every collection's members, following links (transitively, cycles ignored)."""

    def __init__(self, attrs: Attributes) -> None:
        self.attrs = attrs
        self.direct: dict[Path_, dict[str, Path_]] = {}
        for path in attrs.syntaxes:
            if len(path) > 2:
                self.direct.setdefault(path[:-1], {})[path[-1]] = path
        self.groups = {p[0] for p in attrs.syntaxes}
        self.memo: dict[Path_, dict[str, Path_]] = {}
        self.unresolved: set[str] = set()

    def members(self, path: Path_, seen: frozenset[Path_] = frozenset()) -> dict[str, Path_]:
        """Member name -> the record path holding its syntax, for the collection at ``path``."""
        if path in self.memo:
            return self.memo[path]
        found = dict(self.direct.get(path, {}))
        for target, excluded in self.attrs.links.get(path, []):
            for name, source in self._target(target, path, seen | {path}).items():
                if name not in excluded:
                    found.setdefault(name, source)
        if not seen:
            self.memo[path] = found
        return found

    def _target(self, target: str, origin: Path_, seen: frozenset[Path_]) -> dict[str, Path_]:
        if target in self.groups:
            return {p[1]: p for p in self.attrs.syntaxes if len(p) == 2 and p[0] == target}
        path = clean_path(target) if "/" in target else self.attrs.substitutions.get(target)
        if path is None:
            path = self._find_collection(target, origin)
        if path is None:
            self.unresolved.add(target)
            return {}
        if path in seen:
            return {}
        return self.members(path, seen)

    def _find_collection(self, name: str, origin: Path_) -> Path_ | None:
        candidates = [p for p in self.direct if p[-1] == name and len(p) == 2]
        candidates.sort(key=lambda p: (p[0] != origin[0], group_rank(p[0])))
        return candidates[0] if candidates else None


def group_rank(group: str) -> tuple[int, str]:
    """Sort key putting the groups of ``GROUP_ORDER`` first, in that order."""
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


# ------------------------------------------------------------------------------------------ values
def read_values(registry: ET.Element, enum: bool) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """Per attribute: value -> name (enum) or keyword -> keyword, and the attributes it refers to."""
    values: dict[str, dict[str, str]] = {}
    refs: dict[str, list[str]] = {}
    for record in registry.findall("record"):
        attribute = clean(record.findtext("attribute", ""))[0]
        raw = record.findtext("value", "").strip()
        table = values.setdefault(attribute, {})
        if not raw:
            continue
        if raw.startswith("<"):
            ref = _VALUE_LINK.search(raw)
            if ref:
                refs.setdefault(attribute, []).append(ref[1] or ref[2])
                table.update({f"!{x}": "" for x in _VALUE_EXCEPT.findall(raw)})
            continue
        value = clean(raw)[0]
        name = clean(record.findtext("name", ""))[0] if enum else value
        if name and " " not in name:
            table[value] = name
    return values, refs


def resolve_values(values: dict[str, dict[str, str]],
                   refs: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """Fold ``<Any "x" value>`` references (minus "other than 'y'" exclusions) into each attribute."""
    def resolve(attribute: str, seen: frozenset[str]) -> dict[str, str]:
        own = values.get(attribute, {})
        result = {k: v for k, v in own.items() if not k.startswith("!")}
        for ref in refs.get(attribute, []):
            if ref not in seen:
                for k, v in resolve(ref, seen | {attribute}).items():
                    result.setdefault(k, v)
        excluded = {k[1:] for k in own if k.startswith("!")}
        return {k: v for k, v in result.items() if v not in excluded}

    return {a: r for a in sorted(values) if (r := resolve(a, frozenset()))}


# -------------------------------------------------------------------------------------- code tables
def code_table(registry: ET.Element, key: str = "value", name_key: str = "name") -> dict[int, str]:
    """``<value>0x0400</value><name>client-error-bad-request</name>`` rows; ranges and reserved skipped."""
    table: dict[int, str] = {}
    for record in registry.findall("record"):
        value = clean(record.findtext(key, ""))[0]
        name = clean(record.findtext(name_key, ""))[0]
        if not re.fullmatch(r"0x[0-9A-Fa-f]+|\d+", value) or name.startswith(("Reserved", "Unassigned")):
            continue
        if " " in name:  # "octetString with an unspecified format", "For extension using the next..."
            word = re.match(r"For (\w+)", name)
            name = word[1] if word else name.split()[0]
        table[int(value, 0)] = name
    return table


def operations(enums: dict[str, dict[str, str]], cups_ops: dict[int, str]) -> dict[int, str]:
    """Operation-ids from the "operations-supported" enum values, plus CUPS's vendor operations."""
    table = {int(k, 0): v for k, v in enums.get("operations-supported", {}).items()}
    table.update({k: v for k, v in cups_ops.items() if k not in table})
    return dict(sorted(table.items()))


class _TableRows(HTMLParser):
    """Collects the text of each ``<td>`` of each ``<tr>``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def cups_operations(spec_html: str) -> dict[int, str]:
    """The vendor operations (0x4000-0x7FFF) of CUPS's ``spec-ipp.html`` operations table."""
    parser = _TableRows()
    parser.feed(spec_html)
    table: dict[int, str] = {}
    for row in parser.rows:
        codes = [c for c in row if re.fullmatch(r"0x[0-9A-Fa-f]{4}", c)]
        if codes and 0x4000 <= int(codes[0], 16) <= 0x7FFF and re.fullmatch(r"[A-Za-z-]+", row[0]):
            table[int(codes[0], 16)] = row[0]
    return table


# -------------------------------------------------------------------------------------------- output
@dataclass
class Generated:
    """Everything the output module holds, in literal-ready form."""

    updated: str
    groups: list[str]
    syntaxes: list[tuple[object, ...]]
    attributes: dict[str, tuple[tuple[int, int], ...]]
    member_sets: list[dict[str, int]]
    collections: dict[str, int]
    keywords: dict[str, tuple[str, ...]]
    keyword_refs: dict[str, tuple[str, ...]]
    enums: dict[str, dict[int, str]]
    operations: dict[int, str]
    status_codes: dict[int, str]
    group_tags: dict[int, str]
    out_of_band_tags: dict[int, str]
    value_tags: dict[int, str]
    warnings: list[str]


class _Interner:
    """Numbers equal literal values so that the output holds each once."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self.index: dict[str, int] = {}

    def __call__(self, item: object) -> int:
        key = repr(item)
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(item)
        return self.index[key]


def build(registry_root: ET.Element, errata_root: ET.Element, cups_root: ET.Element,
          cups_spec: str) -> Generated:
    """Turn the parsed inputs into the output tables."""
    iana = registries(registry_root)
    errata = _only_registry(errata_root)
    cups = _only_registry(cups_root)
    value_tags = code_table(iana["Attribute Syntaxes"])
    numbers = {name: tag for tag, name in value_tags.items()}
    numbers.update({name: tag for tag, name in code_table(iana["Out-of-Band Attribute Value Tags"]).items()})

    attrs = Attributes()
    skipped = skipped_names(errata)
    read_attribute_records(attrs, iana["Attributes"], skipped, replace=False)
    read_attribute_records(attrs, cups, skipped, replace=False)
    read_attribute_records(attrs, errata, skipped, replace=True)
    read_errata_links(attrs, errata)

    syntax_ids = _Interner()

    def syntax_id(syntax: Syntax) -> int:
        return syntax_ids(_syntax_literal(syntax, numbers))

    groups = sorted({p[0] for p in attrs.syntaxes}, key=group_rank)
    attributes: dict[str, list[tuple[int, int]]] = {}
    for path in sorted(attrs.syntaxes, key=lambda p: (p[1], group_rank(p[0]))):
        if len(path) == 2:
            entry = (groups.index(path[0]), syntax_id(attrs.syntaxes[path]))
            attributes.setdefault(path[1], []).append(entry)

    resolver = MemberResolver(attrs)
    set_ids = _Interner()
    collections: dict[str, int] = {}
    warnings: list[str] = []
    owners = sorted({p[:-1] for p in attrs.syntaxes if len(p) > 2} | set(attrs.links),
                    key=lambda p: (len(p), group_rank(p[0]), p))
    for owner in owners:
        members = {m: syntax_id(attrs.syntaxes[src]) for m, src in sorted(resolver.members(owner).items())}
        if not members:
            continue
        if owner[-1] in collections:
            known = set_ids.items[collections[owner[-1]]]
            if known != members:
                assert isinstance(known, dict)
                members = {**members, **known}  # the same name elsewhere: the preferred group's syntax wins
        collections[owner[-1]] = set_ids(members)
    warnings += [f"unresolved member link {t!r}" for t in sorted(resolver.unresolved)]

    keyword_values, keyword_refs = read_values(iana["Keyword Attribute Values"], enum=False)
    enum_values, enum_refs = read_values(iana["Enum Attribute Values"], enum=True)
    status_codes = code_table(iana["Status Codes"])
    # Enum values written as <Any "status-code" value> refer to the Status Codes registry.
    enum_values.setdefault("status-code", {f"0x{k:04X}": v for k, v in status_codes.items()})
    enums_by_text = resolve_values(enum_values, enum_refs)
    return Generated(
        updated=registry_root.findtext("updated", "").strip(),
        groups=groups,
        syntaxes=syntax_ids.items,  # type: ignore[arg-type]
        attributes={k: tuple(v) for k, v in attributes.items()},
        member_sets=set_ids.items,  # type: ignore[arg-type]
        collections=dict(sorted(collections.items())),
        keywords={k: tuple(sorted(v)) for k, v in sorted(keyword_values.items()) if v},
        keyword_refs={k: tuple(dict.fromkeys(v)) for k, v in sorted(keyword_refs.items())},
        enums={k: dict(sorted((int(n, 0), name) for n, name in v.items())) for k, v in enums_by_text.items()},
        operations=operations(enums_by_text, cups_operations(cups_spec)),
        status_codes=status_codes,
        group_tags=code_table(iana["Attribute Group Tags"]),
        out_of_band_tags=code_table(iana["Out-of-Band Attribute Value Tags"]),
        value_tags=value_tags,
        warnings=warnings,
    )


def _only_registry(root: ET.Element) -> ET.Element:
    inner = root.find("registry")
    if inner is None:
        raise RegistryError("expected <registry><registry>...</registry></registry>")
    return inner


def _syntax_literal(syntax: Syntax, numbers: dict[str, int]) -> tuple[object, ...]:
    try:
        tags = tuple(numbers[t] for t in syntax.tags)
        out_of_band = tuple(numbers[t] for t in syntax.out_of_band)
    except KeyError as exc:
        raise RegistryError(f"tag {exc} is not in the registry's tag tables") from exc
    return (tags, syntax.set_of, syntax.min, syntax.max, syntax.max_length, out_of_band, syntax.obsolete)


HEADER = '''\
"""IPP attribute registry data. GENERATED FILE: do not edit.

Generated by tools/gen_registry.py from the IANA IPP registry updated on {updated},
with errata.xml and cups.xml applied, and CUPS operation-ids from CUPS's spec-ipp.html.
Regenerate with:

    python tools/gen_registry.py /path/to/iana-folder --cups-spec {spec} -o ipp_wsgi/codec/_registry_data.py

Read it through ipp_wsgi.codec.registry, which documents the layout.
"""
'''


def render(data: Generated, cups_spec_name: str = str(DEFAULT_CUPS_SPEC)) -> str:
    """The output module's source text."""
    out = [HEADER.format(updated=data.updated, spec=cups_spec_name)]
    out.append(f"REGISTRY_UPDATED = {data.updated!r}\n")
    out.append("# Group names; ATTRIBUTES refers to them by index.")
    out.append(f"GROUPS = {_literal(tuple(data.groups))}\n")
    out.append("# (value tags, 1setOf, min, max, max length, out-of-band tags, obsolete)")
    out.append(f"SYNTAXES = {_literal(tuple(data.syntaxes))}\n")
    out.append("# name -> ((group index, syntax index), ...), preferred group first")
    out.append(f"ATTRIBUTES = {_literal(data.attributes)}\n")
    out.append("# member name -> syntax index, one dict per distinct member set")
    out.append(f"MEMBER_SETS = {_literal(tuple(data.member_sets))}\n")
    out.append("# collection attribute (or member) name -> MEMBER_SETS index")
    out.append(f"COLLECTIONS = {_literal(data.collections)}\n")
    out.append("# attribute -> its own keyword values; KEYWORD_REFS: attributes whose values it also takes")
    tables: dict[str, object] = {
        "KEYWORDS": data.keywords, "KEYWORD_REFS": data.keyword_refs, "ENUMS": data.enums,
        "OPERATIONS": data.operations, "STATUS_CODES": data.status_codes, "GROUP_TAGS": data.group_tags,
        "OUT_OF_BAND_TAGS": data.out_of_band_tags, "VALUE_TAGS": data.value_tags,
    }
    for name, table in tables.items():
        out.append(f"{name} = {_literal(table)}\n")
    return "\n".join(out)


def _literal(value: object) -> str:
    return pformat(value, width=120, compact=True, sort_dicts=False)


# ---------------------------------------------------------------------------------------------- main
def input_paths(paths: list[Path]) -> tuple[Path, Path, Path]:
    """The three input files, from a folder or given one by one."""
    if len(paths) == 1 and paths[0].is_dir():
        return (paths[0] / INPUT_NAMES[0], paths[0] / INPUT_NAMES[1], paths[0] / INPUT_NAMES[2])
    if len(paths) == 3:
        return (paths[0], paths[1], paths[2])
    raise RegistryError("give the IANA folder or the three files " + ", ".join(INPUT_NAMES))


def generate(paths: list[Path], cups_spec: Path) -> tuple[str, list[str]]:
    """The output module's text and the generator's warnings."""
    registry, errata, cups = input_paths(paths)
    data = build(load_xml(registry), load_xml(errata), load_xml(cups), cups_spec.read_text(encoding="utf-8"))
    return render(data, str(cups_spec)), data.warnings


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="IANA folder, or the three XML files")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--cups-spec", type=Path, default=DEFAULT_CUPS_SPEC,
                        help="CUPS spec-ipp.html (source of the CUPS operation-ids)")
    args = parser.parse_args(argv)
    try:
        text, warnings = generate(args.inputs, args.cups_spec)
    except (RegistryError, OSError, ET.ParseError) as exc:
        print(f"gen_registry: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"gen_registry: warning: {warning}", file=sys.stderr)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
