"""tools/gen_registry.py: syntax parsing, errata/CUPS merging, links; the committed module is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
IANA = Path("/work/shared/iana")


gen = load_script(ROOT / "tools" / "gen_registry.py")

REGISTRY = """<?xml version='1.0' encoding='UTF-8'?>
<registry xmlns="http://www.iana.org/assignments" id="ipp-registrations">
  <updated>2031-02-03</updated>
  <registry id="ipp-registrations-2"><title>Attributes</title>
    <record><collection>Job Template</collection><name>media-col</name><syntax>collection</syntax></record>
    <record><collection>Job Template</collection><name>media-col</name>
      <member_attribute>media-size</member_attribute><syntax>collection</syntax></record>
    <record><collection>Job Template</collection><name>media-col</name>
      <member_attribute>media-size</member_attribute><sub-member_attribute>x-dimension</sub-member_attribute>
      <syntax>integer(0:MAX)</syntax></record>
    <record><collection>Job Template</collection><name>media-col</name>
      <member_attribute>media-type</member_attribute><syntax>type2 keyword</syntax></record>
    <record><collection>Printer Description</collection><name>media-col-database</name>
      <syntax>1setOf collection</syntax></record>
    <record><collection>Printer Description</collection><name>media-col-database</name>
      <member_attribute>&lt;Any "media-col" member attribute&gt;</member_attribute></record>
    <record><collection>Job Template</collection><name>job-sheets</name>
      <syntax>type2 keyword | name(MAX)</syntax></record>
    <record><collection>Job Template</collection><name>job-sheets(extension)</name>
      <syntax>1setOf type2 keyword</syntax></record>
    <record><collection>Job Template</collection><name>old-thing(obsolete)</name>
      <syntax>text(40)</syntax></record>
    <record><collection>Job Template</collection><name>dropped(obsolete)</name>
      <syntax>boolean</syntax></record>
    <record><collection>Printer Description</collection><name>printer-state</name>
      <syntax>type1 enum</syntax></record>
    <record><collection>Printer Description</collection><name>broken</name><syntax>keyword</syntax></record>
  </registry>
  <registry id="ipp-registrations-4"><title>Keyword Attribute Values</title>
    <record><attribute>job-sheets</attribute><syntax>type2 keyword</syntax></record>
    <record><value>none</value><attribute>job-sheets</attribute></record>
    <record><value>standard(deprecated)</value><attribute>job-sheets</attribute></record>
    <record><value>&lt;Any "job-sheets" value&gt;</value><attribute>job-sheets-supported</attribute></record>
  </registry>
  <registry id="ipp-registrations-6"><title>Enum Attribute Values</title>
    <record><value>3</value><name>idle</name><attribute>printer-state</attribute></record>
    <record><value>0x0002</value><name>Print-Job</name><attribute>operations-supported</attribute></record>
    <record><value>0x000E(deprecated)</value><name>Restart-Job(deprecated)</name>
      <attribute>operations-supported</attribute></record>
    <record><value>0x000F</value><name>Reserved (not used)</name>
      <attribute>operations-supported</attribute></record>
    <record><value>&lt;Any "status-code" value other than 'successful-ok'&gt;</value>
      <attribute>fetch-status-code</attribute></record>
  </registry>
  <registry id="ipp-registrations-7"><title>Attribute Group Tags</title>
    <record><value>0x01</value><name>operation-attributes-tag</name></record>
    <record><value>0x0B-0x0F</value><name>Unassigned</name></record>
  </registry>
  <registry id="ipp-registrations-8"><title>Out-of-Band Attribute Value Tags</title>
    <record><value>0x13</value><name>no-value</name></record>
  </registry>
  <registry id="ipp-registrations-9"><title>Attribute Syntaxes</title>
    <record><value>0x21</value><name>integer</name></record>
    <record><value>0x23</value><name>enum</name></record>
    <record><value>0x22</value><name>boolean</name></record>
    <record><value>0x30</value><name>octetString with an unspecified format</name></record>
    <record><value>0x34</value><name>begCollection</name></record>
    <record><value>0x35</value><name>textWithLanguage</name></record>
    <record><value>0x36</value><name>nameWithLanguage</name></record>
    <record><value>0x41</value><name>textWithoutLanguage</name></record>
    <record><value>0x42</value><name>nameWithoutLanguage</name></record>
    <record><value>0x44</value><name>keyword</name></record>
    <record><value>0x7F</value><name>For extension using the next 4 octets</name></record>
  </registry>
  <registry id="ipp-registrations-11"><title>Status Codes</title>
    <record><value>0x0000</value><name>successful-ok</name></record>
    <record><value>0x0400</value><name>client-error-bad-request</name></record>
  </registry>
</registry>
"""

ERRATA = """<?xml version='1.0' encoding='UTF-8'?>
<registry xmlns="http://www.iana.org/assignments"><registry>
  <! ----- a comment that is not XML ----- !>
  <record><! keyword was a typo !><collection>Printer Description</collection><name>broken</name>
    <syntax>integer(1:9) | no-value</syntax></record>
  <skip><name>Job Template/dropped(obsolete)</name></skip>
</registry></registry>
"""

CUPS = """<?xml version='1.0' encoding='UTF-8'?>
<registry xmlns="http://www.iana.org/assignments"><registry>
  <! CUPS extension !>
  <record><collection>Printer Description</collection><name>printer-is-shared</name>
    <syntax>boolean</syntax></record>
</registry></registry>
"""

SPEC = """<table><tr><th>Operation</th><th>CUPS</th><th>Code</th></tr>
<tr><td>Print-Job</td><td>1.0</td><td>0x0002</td></tr>
<tr><td><a href='#X'>CUPS-Get-Default</a></td><td>1.0</td><td>0x4001</td><td>Get the default.</td></tr>
</table>"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("iana")
    for name, text in zip(gen.INPUT_NAMES, (REGISTRY, ERRATA, CUPS), strict=True):
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "spec-ipp.html").write_text(SPEC, encoding="utf-8")
    out = folder / "out.py"
    assert gen.main([str(folder), "--cups-spec", str(folder / "spec-ipp.html"), "-o", str(out)]) == 0
    namespace: dict[str, Any] = {}
    exec(compile(out.read_text(encoding="utf-8"), str(out), "exec"), namespace)
    return namespace


def _syntax(data: dict[str, Any], name: str, group: str | None = None) -> tuple[Any, ...]:
    for group_index, syntax_index in data["ATTRIBUTES"][name]:
        if group is None or data["GROUPS"][group_index] == group:
            return tuple(data["SYNTAXES"][syntax_index])
    raise KeyError(name)


def test_header(data: dict[str, Any]) -> None:
    assert data["REGISTRY_UPDATED"] == "2031-02-03"
    assert "2031-02-03" in data["__doc__"] and "tools/gen_registry.py" in data["__doc__"]


def test_extension_record_widens(data: dict[str, Any]) -> None:
    # (tags, 1setOf, min, max, max length, out-of-band, obsolete)
    assert _syntax(data, "job-sheets") == ((0x44, 0x42, 0x36), True, None, None, 255, (), False)


def test_errata_replace_and_skip(data: dict[str, Any]) -> None:
    assert _syntax(data, "broken") == ((0x21,), False, 1, 9, None, (0x13,), False)
    assert "dropped" not in data["ATTRIBUTES"]


def test_obsolete_and_cups(data: dict[str, Any]) -> None:
    assert _syntax(data, "old-thing") == ((0x41, 0x35), False, None, None, 40, (), True)
    assert _syntax(data, "printer-is-shared", "Printer Description")[0] == (0x22,)


def test_members_and_links(data: dict[str, Any]) -> None:
    members = data["MEMBER_SETS"][data["COLLECTIONS"]["media-col"]]
    assert set(members) == {"media-size", "media-type"}
    assert data["COLLECTIONS"]["media-col-database"] == data["COLLECTIONS"]["media-col"]
    x_dim = data["MEMBER_SETS"][data["COLLECTIONS"]["media-size"]]["x-dimension"]
    assert data["SYNTAXES"][x_dim][:4] == ((0x21,), False, 0, 2**31 - 1)


def test_values_and_tables(data: dict[str, Any]) -> None:
    assert data["KEYWORDS"]["job-sheets"] == ("none", "standard")
    assert data["KEYWORD_REFS"]["job-sheets-supported"] == ("job-sheets",)
    assert data["ENUMS"]["printer-state"] == {3: "idle"}
    assert data["ENUMS"]["fetch-status-code"] == {0x0400: "client-error-bad-request"}
    assert data["OPERATIONS"] == {0x0002: "Print-Job", 0x000E: "Restart-Job", 0x4001: "CUPS-Get-Default"}
    assert data["GROUP_TAGS"] == {0x01: "operation-attributes-tag"}
    assert data["VALUE_TAGS"][0x30] == "octetString" and data["VALUE_TAGS"][0x7F] == "extension"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1setOf (type2 keyword | name(MAX))", (["keyword", "nameWithoutLanguage", "nameWithLanguage"], True,
                                                None, None, 255, [])),
        ("integer(1:65535) | no-value", (["integer"], False, 1, 65535, None, ["no-value"])),
        ("1setOf (integer(0:MAX) | rangeOfInteger(1:MAX))", (["integer", "rangeOfInteger"], True, 0,
                                                              2**31 - 1, None, [])),
        ("integer:0:MAX", (["integer"], False, 0, 2**31 - 1, None, [])),
        ("integer (0:MAX)", (["integer"], False, 0, 2**31 - 1, None, [])),
        ("text(255) | 'no-value'", (["textWithoutLanguage", "textWithLanguage"], False, None, None, 255,
                                    ["no-value"])),
        ("1setOf (name(MAX)", (["nameWithoutLanguage", "nameWithLanguage"], True, None, None, 255, [])),
        ("type2 keyword]", (["keyword"], False, None, None, 255, [])),
        ("1setof name(127) | delete-attribute", (["nameWithoutLanguage", "nameWithLanguage"], True, None,
                                                 None, 127, ["delete-attribute"])),
        ("octetString(MAX)", (["octetString"], False, None, None, 1023, [])),
        ("dateTime|unknown", (["dateTime"], False, None, None, None, ["unknown"])),
    ],
)
def test_parse_syntax(text: str, expected: tuple[Any, ...]) -> None:
    s = gen.parse_syntax(text)
    assert (s.tags, s.set_of, s.min, s.max, s.max_length, s.out_of_band) == expected


@pytest.mark.parametrize("text", ["widget", "", "(12)", "boolean(3)"])
def test_parse_syntax_rejects_unknown(text: str) -> None:
    with pytest.raises(gen.RegistryError):
        gen.parse_syntax(text)


def test_committed_module_is_current() -> None:
    if not IANA.is_dir() or not gen.DEFAULT_CUPS_SPEC.is_file():
        pytest.skip(f"comparison needs the registry inputs ({IANA}) and CUPS's {gen.DEFAULT_CUPS_SPEC}")
    text, _warnings = gen.generate([IANA], gen.DEFAULT_CUPS_SPEC)
    committed = (ROOT / "ipp_wsgi" / "codec" / "_registry_data.py").read_text(encoding="utf-8")
    assert text == committed, "run: python tools/gen_registry.py /work/shared/iana"
