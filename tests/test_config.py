"""The TOML configuration: built-in defaults, files, overrides and clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ipp_wsgi.backends.embedded.job_limits import JobLimits
from ipp_wsgi.backends.embedded.printer import COMMAND_TIMEOUT
from ipp_wsgi.codec import Range, operations
from ipp_wsgi.config import STORE_ENV, ConfigError, default_spool_dir, load_config
from ipp_wsgi.ops.policy import ADMIN_OPERATIONS


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ipp-wsgi.toml"
    path.write_text(text)
    return path


PRINTER = '[[printers]]\nname = "office"\n'
SOCKET = PRINTER + 'output = "socket"\ndevice_uri = "socket://h"\n'


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


def test_a_file_without_printers_serves_the_builtin_printer(tmp_path: Path) -> None:
    """Every key is optional (default_config.toml says so): an empty file is the built-in defaults."""
    assert load_config(_write(tmp_path, "")).printers == load_config().printers


def test_the_builtin_printer_takes_the_files_other_settings(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[policy]\nadmins = ["root"]\n[jobs]\nprivate_access = "all"\n'))
    [printer] = config.printers
    assert (printer.name, printer.paths, printer.output) == ("print", ("/ipp/print", "/printers/print"),
                                                             "directory")
    assert printer.description.extra["job-privacy-scope"] == "all"
    assert config.policy.admins == {"root"}


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


def test_the_job_store_is_sqlite_unless_the_file_the_environment_or_the_argument_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    assert load_config().store == "sqlite"
    path = _write(tmp_path, 'store = "postgresql://printing@db.example/jobs"\n' + PRINTER)
    assert load_config(path).store == "postgresql://printing@db.example/jobs"
    monkeypatch.setenv(STORE_ENV, "postgres://other@db2/jobs")
    assert load_config(path).store == "postgres://other@db2/jobs", "the environment wins over the file"
    assert load_config(path, store="sqlite").store == "sqlite", "the argument wins over both"


@pytest.mark.parametrize(("text", "environ", "argument", "message"), [
    ('store = "mysql://u:pw@h/db"\n', None, None, "store 'mysql://u:***@h/db': use sqlite or a postgresql://"),
    ("store = 5\n", None, None, "store has the wrong type"),
    ("", "sqlite3", None, "IPP_WSGI_STORE: store 'sqlite3'"),
    ("", None, "postgresql://", "--store: store 'postgresql:"),
])
def test_a_store_of_no_kind_known_is_refused_without_its_password(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, environ: str | None, argument: str | None,
        message: str) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    if environ is not None:
        monkeypatch.setenv(STORE_ENV, environ)
    with pytest.raises(ConfigError) as raised:
        load_config(_write(tmp_path, text + PRINTER), store=argument)
    assert message in str(raised.value) and "pw" not in str(raised.value)


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
    # CUPS's /printers/NAME is always among the paths (lp -h SERVER -d NAME sends documents there)
    assert (printer.name, printer.command) == ("lab", ("/bin/cat",))
    assert printer.paths == ("/ipp/lab", "/printers/lab")
    assert printer.description.color is False and printer.description.resolutions == (300, 600)
    assert printer.description.extra == {
        "printer-more-info-manufacturer": "https://example.com/",
        # max_document_bytes, in whole KiB rounded up, and the default job privacy (CUPS's)
        "job-k-octets-supported": Range(0, 1),
        "job-privacy-attributes": ["default"],
        "job-privacy-scope": "default",
    }
    assert (config.max_document_bytes, config.history_seconds, config.history_jobs) == (1000, 60, 5)
    assert config.limits.max_depth == 4
    assert printer.device_timeout == COMMAND_TIMEOUT
    assert config.job_limits == JobLimits()


def test_jobs_table_sets_limits_and_privacy(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, """
max_document_bytes = 2049
[jobs]
max_jobs = 500
max_jobs_per_user = 3
max_spool_bytes = 1000000
private_values = ["job-name", "job-template"]
private_access = "none"
""" + PRINTER + 'output = "command"\ncommand = ["true"]\ndevice_timeout = 1.5\n' + """
[printers.attributes]
job-privacy-scope = "all"
[[printers]]
name = "cups"
backend = "cups"
"""))
    assert config.job_limits == JobLimits(max_jobs=500, max_jobs_per_user=3, max_spool_bytes=1000000)
    office, cups = config.printers
    assert office.device_timeout == 1.5
    assert office.description.extra == {"job-k-octets-supported": Range(0, 3),
                                        "job-privacy-attributes": ["job-name", "job-template"],
                                        "job-privacy-scope": "all"}  # the printer's own attributes win
    assert cups.description.extra == {}  # CUPS describes its queues, privacy included


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
    (PRINTER + 'output = "command"\n', "needs a command"),
    (PRINTER + 'backend = "lpsched"\n', "unknown backend 'lpsched'"),
    (PRINTER + 'output = "carrier-pigeon"\n', "output must be one of"),
    (PRINTER + 'output = "socket"\n', "needs a device_uri socket://host"),
    (PRINTER + 'output = "lpd"\ndevice_uri = "lpd://host"\n', "names its queue"),
    (PRINTER + 'device_uri = "socket://host"\n', "device_uri is for outputs file, socket, lpd, ipp only"),
    (PRINTER + 'output = "file"\n', "needs a device_uri file:///path"),
    (PRINTER + 'output = "file"\ndevice_uri = "file://host/dev/lp0"\n', "needs a device_uri file:///path"),
    (PRINTER + 'output = "file"\ndevice_uri = "file:///dev/null"\ndevice_timeout = 5\n',
     "device_timeout is for outputs command, socket, lpd, ipp only"),
    (SOCKET + "retries = -1\n", "retries must not be negative"),
    (SOCKET + 'retry_delay = "5"\n', "retry_delay must be a number"),
    (SOCKET + "device_timeout = 0\n", "device_timeout must be positive"),
    (PRINTER + 'output = "command"\ncommand = ["true"]\nretries = 1\n', "retries is for outputs"),
    (PRINTER + "device_timeout = 5\n", "device_timeout is for outputs"),
    ("[jobs]\nmax_jobs = -1\n" + PRINTER, "limits must not be negative"),
    ("[jobs]\nmax_job = 1\n" + PRINTER, "unknown key 'max_job'"),
    ('[jobs]\nprivate_access = "friends"\n' + PRINTER, "private_access must be one of"),
    ("[jobs]\nprivate_values = []\n" + PRINTER, "private_values must list"),
    (PRINTER + 'cups_server = "localhost"\n', "cups_server is for cups printers only"),
    (PRINTER + 'backend = "cups"\noutput = "socket"\n', "output is for embedded printers only"),
    (PRINTER + 'backend = "cups"\nmedia-default = "iso_a4_210x297mm"\n', "CUPS describes its queues"),
    (PRINTER + 'backend = "cups"\ncups_server = "host:port"\n', "bad CUPS server"),
    (PRINTER + 'backend = "cups"\ncups_tls = "yes"\n', "cups_tls has the wrong type"),
    (PRINTER + 'backend = "cups"\ncups_password = "x"\n', "cups_password needs a cups_user"),
    (PRINTER + 'backend = "cups"\ncups_timeout = 0\n', "cups_timeout must be positive"),
    (PRINTER + 'backend = "lp"\noutput = "command"\n', "output is for embedded printers only"),
    (PRINTER + 'backend = "lp"\ncups_server = "h"\n', "cups_server is for cups printers only"),
    (PRINTER + 'backend = "lp"\nlp_timeout = -1\n', "lp_timeout must be a positive number"),
    (PRINTER + 'lp_server = "h"\n', "lp_server is for lp printers only"),
    (PRINTER + 'backend = "cups"\nlp_server = "h"\n', "lp_server is for lp printers only"),
    (PRINTER + 'name = "two"\n', "Cannot overwrite"),
    ('[[printers]]\nname = "../x"\n', "name must be"),
    (PRINTER + PRINTER, "printer name 'office' is used twice"),
    (PRINTER + 'paths = ["/p"]\n[[printers]]\nname = "b"\npaths = ["/p"]\n', "printer path '/p'"),
    ("printers = []\n", "printers is empty"),
    ('[policy]\npreset = "open"\n' + PRINTER, "unknown preset"),
    ('[[policy.location]]\npath = "/"\nadmin = ["Make-Coffee"]\n' + PRINTER, "unknown operation"),
    ("[limits]\nmax_depth = 0\n" + PRINTER, "positive"),
    ("[notifications]\nevent-life = 5\n" + PRINTER, "at least 15"),
    ("this is not toml", "ipp-wsgi.toml"),
    (PRINTER + 'uri-authentication = "password"\n', "uri-authentication must be one of"),
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


def test_network_output_keys_reach_the_printer_config(tmp_path: Path) -> None:
    text = PRINTER + ('output = "lpd"\ndevice_uri = "lpd://printer.example:1515/raw"\ndevice_timeout = 7.5\n'
                      "retries = 2\nretry_delay = 1\nretry_delay_max = 4.5\n")
    printer = load_config(_write(tmp_path, text)).printers[0]
    assert (printer.output, printer.device_uri, printer.device_timeout) == (
        "lpd", "lpd://printer.example:1515/raw", 7.5)
    assert (printer.retry.attempts, printer.retry.delay, printer.retry.max_delay) == (3, 1.0, 4.5)
    assert printer.cups is None


def test_file_output_keys_reach_the_printer_config(tmp_path: Path) -> None:
    text = PRINTER + 'output = "file"\ndevice_uri = "file:///dev/usb/lp0"\nretries = 0\n'
    printer = load_config(_write(tmp_path, text)).printers[0]
    assert (printer.output, printer.device_uri, printer.retry.attempts) == ("file", "file:///dev/usb/lp0", 1)


def test_cups_and_lp_printers_share_one_backend_per_connection(tmp_path: Path) -> None:
    from ipp_wsgi.backends.cups import CupsBackend
    from ipp_wsgi.backends.lp import LpBackend
    from ipp_wsgi.ops import Service

    cups = 'backend = "cups"\ncups_server = "127.0.0.1:8631"\ncups_user = "ops"\ncups_timeout = 3\n'
    text = (PRINTER + cups + '[[printers]]\nname = "lab"\n' + cups
            + '[[printers]]\nname = "far"\nbackend = "cups"\ncups_server = "/run/cups/cups.sock"\n'
            + '[[printers]]\nname = "local"\n'
            + '[[printers]]\nname = "sysv"\nbackend = "lp"\nlp_server = "127.0.0.1:8631"\nlp_timeout = 4\n'
            + 'media-default = "iso_a4_210x297mm"\n'
            + '[[printers]]\nname = "sysv2"\nbackend = "lp"\nlp_server = "127.0.0.1:8631"\nlp_timeout = 4\n')
    config = load_config(_write(tmp_path, text), spool_dir=tmp_path / "spool")
    office = config.printers[0]
    assert office.cups is not None
    connection = office.cups
    assert (connection.server, connection.user, connection.password, connection.tls, connection.timeout) == (
        "127.0.0.1:8631", "ops", None, False, 3.0)
    service = Service.from_config(config)
    try:
        office_entry, lab, far, local, sysv, sysv2 = service.printers
        assert office_entry.backend is lab.backend and far.backend is not lab.backend
        assert isinstance(lab.backend, CupsBackend) and isinstance(far.backend, CupsBackend)
        assert lab.backend.allowed == ("office", "lab") and far.backend.allowed == ("far",)
        assert str(lab.backend.server) == "127.0.0.1:8631" and lab.backend.client.timeout == 3.0
        assert office_entry.described_by_backend and not local.described_by_backend
        assert "media-supported" in local.description
        assert isinstance(sysv.backend, LpBackend) and sysv.backend is sysv2.backend
        assert sysv.backend.allowed == ("sysv", "sysv2")
        assert sysv.backend.commands.argv("lpstat", ["-a"]) == ["lpstat", "-h", "127.0.0.1:8631", "-a"]
        assert sysv.backend.commands.timeout == 4.0
        assert not sysv.described_by_backend and sysv.description.value("media-default") == "iso_a4_210x297mm"
        assert len(service.backends) == 4
    finally:
        service.close()


def test_socket_output_from_config_prints_through_the_app(tmp_path: Path) -> None:
    import webtest
    from backends.recording_listener import Listener, record
    from backends.spooler_helpers import wait_until

    from ipp_wsgi.app import IppApplication
    from ipp_wsgi.backends.base import JOB_COMPLETED
    from ipp_wsgi.codec import Message, decode, encode, tags

    document = bytes(range(256)) * 300
    with Listener(record) as listener:
        text = PRINTER + (f'output = "socket"\ndevice_uri = "socket://127.0.0.1:{listener.port}"\n'
                          "retries = 1\nretry_delay = 0\ndevice_timeout = 10\n")
        application = IppApplication(load_config(_write(tmp_path, text), spool_dir=tmp_path / "spool"))
        try:
            request = Message(operations.PRINT_JOB, 1, (2, 0))
            request.operation.add("attributes-charset", "utf-8", tags.CHARSET)
            request.operation.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
            request.operation.add("printer-uri", "ipp://localhost/ipp/office", tags.URI)
            request.operation.add("requesting-user-name", "alice", tags.NAME_WITHOUT_LANGUAGE)
            response = webtest.TestApp(application).post("/ipp/office", encode(request) + document,
                                                          content_type="application/ipp")
            answer = decode(response.body)
            assert answer.code == 0 and answer.job is not None
            job_id = answer.job.value("job-id")
            printer = application.service.printers[0]
            wait_until(lambda: printer.backend.get_job("office", job_id).state == JOB_COMPLETED)
            assert listener.received == [document]
        finally:
            application.close()


@pytest.mark.parametrize("remote_user", [None, "root"])
def test_uri_authentication_is_configured_once_whoever_asks(tmp_path: Path, remote_user: str | None) -> None:
    from ipp_wsgi.codec import Message, tags
    from ipp_wsgi.ops import Service, dispatch
    from ipp_wsgi.ops.context import RequestContext

    text = PRINTER + 'uri-authentication = "basic"\n'
    config = load_config(_write(tmp_path, text), spool_dir=tmp_path / "spool")
    service = Service.from_config(config)
    try:
        request = Message(operations.GET_PRINTER_ATTRIBUTES, 1)
        request.operation.add("attributes-charset", "utf-8", tags.CHARSET)
        request.operation.add("attributes-natural-language", "en", tags.NATURAL_LANGUAGE)
        request.operation.add("printer-uri", "ipps://h/ipp/office", tags.URI)
        context = RequestContext("ipps://h", "/ipp/office", remote_user=remote_user, secure=True)
        printer = dispatch(request, io.BytesIO(), context, service).printer
        assert printer is not None
        assert printer.value("uri-authentication-supported") == "basic"
        assert printer.value("uri-security-supported") == "tls"
    finally:
        service.close()


def test_a_printers_cups_path_taken_by_another_printer_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[printers]]\nname = "a"\npaths = ["/printers/b"]\n[[printers]]\nname = "b"\n')
    with pytest.raises(ConfigError, match="printer path '/printers/b' is used twice"):
        load_config(path)
