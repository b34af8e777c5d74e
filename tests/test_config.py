"""The TOML configuration: built-in defaults, files, overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipp_wsgi.codec import operations
from ipp_wsgi.config import ConfigError, default_spool_dir, load_config
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ipp-wsgi.toml"
    path.write_text(text)
    return path


PRINTER = '[[printers]]\nname = "office"\n'


def test_defaults_serve_one_printer_at_two_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IPP_WSGI_SPOOL_DIR", str(tmp_path / "spool"))
    config = load_config()
    assert [(p.name, p.paths, p.backend, p.output) for p in config.printers] == [
        ("print", ("/ipp/print", "/printers/print"), "embedded", "directory")]
    assert config.spool_dir == tmp_path / "spool"
    assert config.max_document_bytes is None
    location = config.policy.location("/")
    assert location is not None and location.admin == ADMIN_OPERATIONS
    description = config.printers[0].description
    assert "application/pdf" in description.document_formats
    assert description.media_default in description.media


def test_default_spool_dir_needs_no_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IPP_WSGI_SPOOL_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_spool_dir() == tmp_path / "state" / "ipp-wsgi"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_spool_dir() == tmp_path / "home" / ".local" / "state" / "ipp-wsgi"


def test_spool_dir_argument_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, 'spool_dir = "relative/spool"\n' + PRINTER)
    assert load_config(path).spool_dir == tmp_path / "relative" / "spool"
    assert load_config(path, spool_dir=tmp_path / "x").spool_dir == tmp_path / "x"


def test_a_full_printer(tmp_path: Path) -> None:
    path = _write(tmp_path, """
max_document_bytes = 1000
[history]
seconds = 60
jobs = 5
[limits]
max_depth = 4
[[printers]]
name = "lab"
paths = ["/ipp/lab/"]
output = "command"
command = ["/bin/cat"]
make-and-model = "Lab Printer"
color = false
media = ["iso_a4_210x297mm"]
media-default = "iso_a4_210x297mm"
media-ready = ["iso_a4_210x297mm"]
resolutions = [300, 600]
[printers.attributes]
printer-more-info-manufacturer = "https://example.com/"
""")
    config = load_config(path)
    printer = config.printers[0]
    assert (printer.name, printer.paths, printer.command) == ("lab", ("/ipp/lab",), ("/bin/cat",))
    assert printer.description.color is False and printer.description.resolutions == (300, 600)
    assert printer.description.extra == {"printer-more-info-manufacturer": "https://example.com/"}
    assert (config.max_document_bytes, config.history_seconds, config.history_jobs) == (1000, 60, 5)
    assert config.limits.max_depth == 4


def test_solaris_preset_and_custom_locations(tmp_path: Path) -> None:
    solaris = load_config(_write(tmp_path, '[policy]\npreset = "solaris"\nadmins = ["lp"]\n' + PRINTER))
    root = solaris.policy.location("/")
    assert root is not None and not root.enables(operations.PAUSE_PRINTER)
    assert solaris.policy.admins == {"lp"}
    custom = load_config(_write(tmp_path, """
[[policy.location]]
path = "/"
operations = ["Print-Job", "Get-Printer-Attributes"]
authenticated = ["Print-Job"]
""" + PRINTER))
    location = custom.policy.location("/ipp/office")
    assert location is not None
    assert location.enabled == {operations.PRINT_JOB, operations.GET_PRINTER_ATTRIBUTES}
    assert location.authenticated == {operations.PRINT_JOB}


@pytest.mark.parametrize(("text", "message"), [
    ("spool_dir = 3\n" + PRINTER, "spool_dir has the wrong type"),
    ("colour = true\n" + PRINTER, "unknown key 'colour'"),
    (PRINTER + "colour = true\n", "unknown key 'colour'"),
    (PRINTER + 'media-default = "iso_a3_297x420mm"\n', "media-default must be one of media"),
    (PRINTER + 'media = ["letter"]\nmedia-default = "letter"\nmedia-ready = []\n', "self-describing"),
    (PRINTER + 'output = "command"\n', "with a command"),
    (PRINTER + 'backend = "cups"\n', "unknown backend"),
    (PRINTER + 'name = "two"\n', "Cannot overwrite"),
    ('[[printers]]\nname = "../x"\n', "name must be"),
    (PRINTER + PRINTER, "printer name 'office' is used twice"),
    (PRINTER + 'paths = ["/p"]\n[[printers]]\nname = "b"\npaths = ["/p"]\n', "printer path '/p'"),
    ("", "no printers"),
    ('[policy]\npreset = "open"\n' + PRINTER, "unknown preset"),
    ('[[policy.location]]\npath = "/"\nadmin = ["Make-Coffee"]\n' + PRINTER, "unknown operation"),
    ("[limits]\nmax_depth = 0\n" + PRINTER, "positive"),
    ("[notifications]\nevent-life = 5\n" + PRINTER, "at least 15"),
    ("this is not toml", "ipp-wsgi.toml"),
])
def test_bad_configs_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_config(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_event_life_reaches_the_printer(tmp_path: Path) -> None:
    from ipp_wsgi.ops import Service

    config = load_config(_write(tmp_path, "[notifications]\nevent-life = 120\n" + PRINTER),
                         spool_dir=tmp_path / "spool")
    assert config.event_life == 120
    service = Service.from_config(config)
    try:
        printer = service.printers[0]
        assert printer.backend.printer_attributes(printer.name).value("ippget-event-life") == 120
    finally:
        service.close()
