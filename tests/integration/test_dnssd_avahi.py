"""ipp-wsgi serve advertises its printers through avahi (a private D-Bus and avahi-daemon on lo): found by
avahi-browse, its subtypes, ippfind and driverless; the TXT keys follow the printer's attributes; the PWG's
IPP Everywhere self-certification DNS-SD tests (``ippeveselfcert/dnssd-tests.sh``) pass."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from deploy_servers import make_certificate
from dnssd_clients import (
    OPEN_POLICY,
    PRINTER,
    advertising_server,
    avahi_browse,
    browsed_on,
    change_printer,
    printer_attributes,
    run_client,
)
from harness import Ippeveprinter, IppServer, PrivateDnssd, require_tool, wait_for
from harness.ipptool import Counts, parse_transcript
from harness.selfcert import (
    DNSSD_SCRIPT,
    SELFCERT_RUNS,
    SelfcertRun,
    dnssd_results,
    dnssd_test_names,
    prepare_dnssd,
)

from ipp_wsgi.codec import operations

_STOCK_TESTS = Path("/usr/share/cups/ipptool")


@pytest.fixture
def server(request: pytest.FixtureRequest, dnssd: PrivateDnssd, tmp_path: Path) -> Iterator[IppServer]:
    with advertising_server(request, dnssd, tmp_path / "server") as running:
        wait_for("the printer to be advertised", lambda: bool(browsed_on(dnssd, "_ipp._tcp", running.port)))
        yield running


def test_avahi_browse_finds_the_printer_with_txt_keys_from_its_attributes(
        dnssd: PrivateDnssd, server: IppServer) -> None:
    (found,) = browsed_on(dnssd, "_ipp._tcp", server.port)
    assert (found.name, found.host, found.address) == ("print", dnssd.host_name, "127.0.0.1")
    attributes = printer_attributes(server, "localhost")  # what libcups says to any loopback address
    txt = found.txt
    assert txt["rp"] == "ipp/print"
    assert txt["adminurl"] == attributes.value("printer-more-info")
    assert txt["UUID"] == attributes.value("printer-uuid").removeprefix("urn:uuid:")
    assert txt["pdl"].split(",") == list(attributes["document-format-supported"].values)
    assert txt["URF"].split(",") == list(attributes["urf-supported"].values)
    assert txt["ty"] == attributes.value("printer-make-and-model")
    assert txt["note"] == attributes.value("printer-location")
    assert (txt["Color"], txt["Duplex"], txt["txtvers"], txt["qtotal"]) == ("T", "T", "1", "1")
    assert attributes.value("printer-dns-sd-name") == found.name
    assert server.log.read_text().count("via avahi on lo") == 1  # the one log line saying how


def test_found_by_the_universal_and_print_subtypes_and_as_an_lpd_placeholder(
        dnssd: PrivateDnssd, server: IppServer) -> None:
    for subtype in ("_universal._sub._ipp._tcp", "_print._sub._ipp._tcp"):
        assert [b.name for b in browsed_on(dnssd, subtype, server.port)] == ["print"], subtype
    placeholders = [b for b in avahi_browse(dnssd, "_printer._tcp") if b.name == "print"]
    assert [(b.port, b.txt) for b in placeholders] == [(0, {})]


def test_ippfind_passes_the_found_uri_to_ipptool(dnssd: PrivateDnssd, server: IppServer) -> None:
    stock = str(_STOCK_TESTS / "get-printer-attributes.test")
    done = run_client(dnssd, [require_tool("ippfind"), "_ipp._tcp", "-T", "5", "--exec",
                              require_tool("ipptool"), "-t", "{}", stock, ";"])
    transcript = parse_transcript(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert transcript.passed >= 1 and not transcript.failures, done.stdout


NO_TLS_ON_IPP = ("needs TLS on the _ipp._tcp port: B-5 looks for the TLS key in the _ipp._tcp record, which "
                 "says the port takes an HTTP Upgrade to TLS (B-5.1 sends one, ipptool -E); a plain serve "
                 "offers no TLS, and serve --certfile serves ipps:// only, with no _ipp._tcp record")
"""Why the PWG's TLS tests do not run against ipp-wsgi: every one of them depends on B-5."""

PWG_DNSSD_NOT_PASSING: dict[str, tuple[str, str]] = {
    "B-5. TLS tests": ("SKIP", NO_TLS_ON_IPP),
    "B-5.1 HTTP Upgrade test": ("SKIP", NO_TLS_ON_IPP),
    "B-5.2 IPPS Browse test": ("SKIP", NO_TLS_ON_IPP),
    "B-5.3 IPPS TXT keys test": ("SKIP", NO_TLS_ON_IPP),
    "B-5.4 IPPS Resolve test": ("SKIP", NO_TLS_ON_IPP),
    "B-5.5 IPPS TXT values test": ("SKIP", NO_TLS_ON_IPP),
}
"""Test name -> (its outcome against ``ipp-wsgi serve``, why it does not pass); every other test passes."""


def run_pwg_dnssd(dnssd: PrivateDnssd, printer: str, name: str, run_dir: Path,
                  not_passing: Mapping[str, tuple[str, str]]) -> None:
    """Run the PWG's ``dnssd-tests.sh NAME`` in ``run_dir``, record its verdicts for the summary (as
    ``printer``'s), and fail unless each test of the script passes, or has the outcome ``not_passing``
    gives it. The verdicts are the plist's, and must agree with the script's ``Summary:`` line."""
    script = prepare_dnssd(run_dir)
    done = run_client(dnssd, [str(script), name], timeout=180, cwd=run_dir)
    output = f"$ {script} {name!r}  (exit {done.returncode})\n{done.stdout}{done.stderr}"
    try:
        results = dnssd_results(run_dir, name, done.stdout)
    except ValueError as exc:
        pytest.fail(f"{exc}\n{output}", pytrace=False)
    transcript = results.transcript
    SELFCERT_RUNS.append(SelfcertRun(printer, DNSSD_SCRIPT, transcript, {}))
    assert [v.name for v in transcript.verdicts] == list(dnssd_test_names()), output
    wrong = [f"{v.describe()}\n    expected {not_passing.get(v.name, ('PASS', ''))}"
             for v in transcript.verdicts if v.outcome != not_passing.get(v.name, ("PASS", ""))[0]]
    assert not wrong, "\n".join([*wrong, output])
    assert results.summary == Counts(transcript.passed, transcript.failed, transcript.skipped), output


def test_the_pwgs_dnssd_self_certification_tests(dnssd: PrivateDnssd, server: IppServer,
                                                 tmp_path: Path) -> None:
    """The PWG's own ``dnssd-tests.sh`` (IPP Everywhere self-certification, section 5), run against the
    advertised instance name as its manual says: B-1 (browse by the _print subtype), B-2 (the required
    TXT keys), B-3 (resolve, then Get-Printer-Attributes at the resolved address) and B-4 (TXT values
    that agree with the attributes, ``dnssd-value-tests.test``) pass; the TLS tests are as
    :data:`PWG_DNSSD_NOT_PASSING` says."""
    (found,) = browsed_on(dnssd, "_ipp._tcp", server.port)
    run_pwg_dnssd(dnssd, "ipp-wsgi", found.name, tmp_path / "pwg-dnssd", PWG_DNSSD_NOT_PASSING)


def test_ippeveprinter_passes_every_pwg_dnssd_test(dnssd: PrivateDnssd, ippeveprinter: Ippeveprinter,
                                                   tmp_path: Path) -> None:
    """The reference: CUPS's ippeveprinter, which takes an HTTP Upgrade to TLS on its one port and
    advertises it with the TLS key, passes all ten tests here, the TLS ones (B-5 to B-5.5) included: what
    ipp-wsgi skips is skipped for what it offers, not for this environment."""
    def advertised() -> list[str]:
        return [kind for kind in ("_ipp._tcp", "_ipps._tcp") if browsed_on(dnssd, kind, ippeveprinter.port)]

    wait_for("ippeveprinter's _ipp._tcp and _ipps._tcp records",
             lambda: len(advertised()) == 2, timeout=30, interval=0.5)
    (found,) = browsed_on(dnssd, "_ipp._tcp", ippeveprinter.port)
    run_pwg_dnssd(dnssd, "ippeveprinter", found.name, tmp_path / "pwg-dnssd", {})


def test_a_tls_server_is_advertised_as_ipps_with_tls_and_found_by_ippfind(
        request: pytest.FixtureRequest, dnssd: PrivateDnssd, tmp_path: Path) -> None:
    """``serve --certfile`` serves ipps:// only: _ipps._tcp (with its subtypes and TLS=1.2), no _ipp._tcp,
    and ippfind hands the found ipps:// URI to ipptool, which passes over TLS."""
    cert, key = make_certificate(tmp_path)
    tls = ["--certfile", str(cert), "--keyfile", str(key)]
    with advertising_server(request, dnssd, tmp_path / "tls", extra_args=tls) as server:
        wait_for("the ipps record", lambda: bool(browsed_on(dnssd, "_ipps._tcp", server.port)))
        (found,) = browsed_on(dnssd, "_ipps._tcp", server.port)
        assert (found.name, found.txt["TLS"], found.txt["rp"]) == ("print", "1.2", "ipp/print")
        assert found.txt["adminurl"] == f"https://localhost:{server.port}/ipp/print"
        for subtype in ("_universal._sub._ipps._tcp", "_print._sub._ipps._tcp"):
            assert [b.name for b in browsed_on(dnssd, subtype, server.port)] == ["print"], subtype
        assert browsed_on(dnssd, "_ipp._tcp", server.port) == []
        stock = str(_STOCK_TESTS / "get-printer-attributes.test")
        done = run_client(dnssd, [require_tool("ippfind"), "_ipps._tcp", "-T", "5", "--print", "--exec",
                                  require_tool("ipptool"), "-t", "{}", stock, ";"])
        transcript = parse_transcript(done.stdout)
        assert done.returncode == 0, done.stdout + done.stderr
        assert transcript.passed >= 1 and not transcript.failures, done.stdout
        assert f"ipps://{dnssd.host_name}:{server.port}/ipp/print" in done.stdout.split(), done.stdout


def test_driverless_lists_it(dnssd: PrivateDnssd, server: IppServer) -> None:
    """CUPS's driverless (which lists what a driverless queue can be made of) lists it; it browses for a
    short while, so it is asked again while the records of earlier tests' servers expire."""
    listed: list[str] = []

    def lists_it() -> bool:
        done = run_client(dnssd, [require_tool("driverless")])
        assert done.returncode == 0, done.stderr
        listed[:] = done.stdout.split()
        return "ipp://print._ipp._tcp.local/" in listed

    wait_for("driverless to list ipp://print._ipp._tcp.local/", lists_it, timeout=30, interval=1)


def test_set_printer_attributes_and_pause_change_the_txt_record(dnssd: PrivateDnssd,
                                                                server: IppServer) -> None:
    def txt(key: str) -> list[str | None]:
        return [b.txt.get(key) for b in browsed_on(dnssd, "_ipp._tcp", server.port)]

    change_printer(server, operations.SET_PRINTER_ATTRIBUTES, printer_location="Room 101")
    wait_for("note=Room 101", lambda: txt("note") == ["Room 101"])
    change_printer(server, operations.PAUSE_PRINTER)
    wait_for("printer-state=5", lambda: txt("printer-state") == ["5"])


def test_a_clean_stop_withdraws_the_records(dnssd: PrivateDnssd, server: IppServer) -> None:
    server.stop()
    assert "DNS-SD: records withdrawn" in server.log.read_text()
    # A goodbye leaves a record 1 s to live in the caches (RFC 6762 section 10.1).
    wait_for("the record to go", lambda: browsed_on(dnssd, "_ipp._tcp", server.port) == [], timeout=10)


def test_a_second_server_with_the_same_printer_name_is_print_2(
        request: pytest.FixtureRequest, dnssd: PrivateDnssd, server: IppServer, tmp_path: Path) -> None:
    with advertising_server(request, dnssd, tmp_path / "second") as second:
        wait_for("the second printer", lambda: bool(browsed_on(dnssd, "_ipp._tcp", second.port)), timeout=30)
        (found,) = browsed_on(dnssd, "_ipp._tcp", second.port)
        assert found.name == "print (2)"
        assert [b.name for b in browsed_on(dnssd, "_ipp._tcp", server.port)] == ["print"]
        assert [b.name for b in browsed_on(dnssd, "_print._sub._ipp._tcp", second.port)] == ["print (2)"]


def test_the_off_switch_and_the_scope(request: pytest.FixtureRequest, dnssd: PrivateDnssd,
                                      tmp_path: Path) -> None:
    two = OPEN_POLICY + '[[printers]]\nname = "a"\n[[printers]]\nname = "b"\n[dnssd]\nprinters = ["b"]\n'
    with advertising_server(request, dnssd, tmp_path / "scoped", two) as scoped:
        wait_for("printer b", lambda: bool(browsed_on(dnssd, "_ipp._tcp", scoped.port)))
        assert [b.name for b in browsed_on(dnssd, "_ipp._tcp", scoped.port)] == ["b"]
        assert dict(browsed_on(dnssd, "_ipp._tcp", scoped.port)[0].txt)["rp"] == "ipp/b"
    off = OPEN_POLICY + PRINTER + "[dnssd]\nenabled = false\n"
    with advertising_server(request, dnssd, tmp_path / "off", off) as quiet:
        assert not [p for p in os.listdir("/proc") if p.isdigit() and _is_advertiser(p, quiet)]
        assert browsed_on(dnssd, "_ipp._tcp", quiet.port) == []


def _is_advertiser(pid: str, server: IppServer) -> bool:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"advertise" in words and str(server.spool_dir).encode() in words

