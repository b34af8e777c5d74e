"""Where no avahi-daemon runs, ipp-wsgi advertise answers mDNS itself (python-zeroconf), found by
python-zeroconf's own browser: both in a network namespace of their own whose loopback carries
multicast, so that nothing reaches this machine's network or its other mDNS responders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import ManagedProcess, attach_log, require, require_tool, wait_for
from harness.servers import ipp_wsgi_command

_BROWSER = Path(__file__).with_name("zeroconf_browse.py")
_TYPES = ("_ipp._tcp.local.", "_universal._sub._ipp._tcp.local.", "_print._sub._ipp._tcp.local.",
          "_printer._tcp.local.")


class Namespace:
    """A network namespace with its loopback up and multicast on it."""

    def __init__(self, ip: str) -> None:
        self.ip = ip
        self.name = f"ipp-wsgi-test-{os.getpid()}"

    def run(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return [self.ip, "netns", "exec", self.name, *argv]

    def create(self) -> str | None:
        """Make the namespace; what went wrong, or None."""
        steps = [["netns", "add", self.name],
                 ["netns", "exec", self.name, self.ip, "link", "set", "lo", "up", "multicast", "on"],
                 ["netns", "exec", self.name, self.ip, "route", "add", "224.0.0.0/4", "dev", "lo"]]
        for step in steps:
            done = subprocess.run([self.ip, *step], capture_output=True, text=True, timeout=30, check=False)
            if done.returncode != 0:
                return f"`ip {' '.join(step)}` failed: {done.stderr.strip()}"
        return None

    def delete(self) -> None:
        subprocess.run([self.ip, "netns", "delete", self.name], capture_output=True, timeout=30, check=False)


@pytest.fixture
def namespace() -> Iterator[Namespace]:
    space = Namespace(require_tool("ip"))
    require(os.geteuid() == 0, "a network namespace needs root here")
    problem = space.create()
    try:
        require(problem is None, f"no network namespace with multicast on its loopback: {problem}")
        yield space
    finally:
        space.delete()


def _browse(namespace: Namespace, seconds: float = 3) -> dict[str, list[dict[str, object]]]:
    done = subprocess.run(namespace.run([sys.executable, str(_BROWSER), str(seconds), *_TYPES]),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found: dict[str, list[dict[str, object]]] = json.loads(done.stdout)
    return found


def test_python_zeroconf_advertises_where_no_avahi_runs(request: pytest.FixtureRequest, namespace: Namespace,
                                                       tmp_path: Path) -> None:
    config = tmp_path / "ipp-wsgi.toml"
    config.write_text('[dnssd]\nresponder = "zeroconf"\nport = 8631\ninterfaces = ["lo"]\n'
                      '[[printers]]\nname = "print"\nlocation = "Hall"\n')
    advertiser = ManagedProcess(namespace.run([*ipp_wsgi_command(), "advertise", "--config", str(config),
                                               "--spool-dir", str(tmp_path / "spool")]),
                                tmp_path / "advertise.log")
    attach_log(request.node, "ipp-wsgi advertise", advertiser.log)
    advertiser.start()
    try:
        found: dict[str, list[dict[str, object]]] = {}

        def browsed() -> bool:
            found.update(_browse(namespace))
            return all(kind in found for kind in _TYPES)

        wait_for("every record", browsed, timeout=30, interval=0.5)
        (ipp,) = found["_ipp._tcp.local."]
        assert (ipp["name"], ipp["port"]) == ("print._ipp._tcp.local.", 8631)
        txt = ipp["txt"]
        assert isinstance(txt, dict)
        assert (txt["rp"], txt["note"]) == ("ipp/print", "Hall")
        assert txt["adminurl"] == "http://localhost:8631/ipp/print"
        for subtype in ("_universal._sub._ipp._tcp.local.", "_print._sub._ipp._tcp.local."):
            assert [entry["name"] for entry in found[subtype]] == ["print._ipp._tcp.local."]
        placeholders = [(e["name"], e["port"]) for e in found["_printer._tcp.local."]]
        assert placeholders == [("print._printer._tcp.local.", 0)]
        assert "via python-zeroconf on lo" in advertiser.log.read_text()
    finally:
        advertiser.stop(timeout=15)
    assert "DNS-SD: records withdrawn" in advertiser.log.read_text()
    assert _browse(namespace, 2).get("_ipp._tcp.local.", []) == []
