"""Browse DNS-SD service types with python-zeroconf's own browser on 127.0.0.1 and print what was found as
JSON: ``python zeroconf_browse.py SECONDS TYPE...`` (run inside the test's network namespace)."""

from __future__ import annotations

import json
import sys
import time

from zeroconf import IPVersion, ServiceBrowser, ServiceListener, Zeroconf


class _Found(ServiceListener):
    def __init__(self) -> None:
        self.names: dict[str, set[str]] = {}

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.setdefault(type_, set()).add(name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.add_service(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.get(type_, set()).discard(name)


def browse(seconds: float, types: list[str]) -> dict[str, list[dict[str, object]]]:
    """Each type's instances: name, port, SRV target and TXT keys."""
    zeroconf = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    found = _Found()
    browsers = [ServiceBrowser(zeroconf, kind, found) for kind in types]
    time.sleep(seconds)
    result: dict[str, list[dict[str, object]]] = {}
    for kind, names in found.names.items():
        parent = kind.split("._sub.", 1)[-1]
        for name in sorted(names):
            info = zeroconf.get_service_info(parent, name, timeout=3000)
            txt = {k.decode(): (v or b"").decode() for k, v in info.properties.items()} if info else {}
            result.setdefault(kind, []).append({"name": name, "port": info.port if info else None,
                                                "server": info.server if info else None, "txt": txt})
    for browser in browsers:
        browser.cancel()
    zeroconf.close()
    return result


if __name__ == "__main__":
    print(json.dumps(browse(float(sys.argv[1]), sys.argv[2:])))
