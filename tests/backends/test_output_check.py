"""The outputs checked at start: what cannot print anything is named, what may print (or come back) is
not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ipp_wsgi.backends.embedded.output_check import output_problem
from ipp_wsgi.backends.embedded.printer import EmbeddedPrinter


def test_a_directory_output_is_made_when_missing(tmp_path: Path) -> None:
    assert output_problem(EmbeddedPrinter("print"), tmp_path / "spool") is None
    assert (tmp_path / "spool" / "output" / "print").is_dir()
    assert list((tmp_path / "spool" / "output" / "print").iterdir()) == [], "the check leaves no file"


def test_a_directory_output_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder would be")
    problem = output_problem(EmbeddedPrinter("print", output_dir=blocker / "out"), tmp_path)
    assert problem is not None
    assert problem.startswith("printer print: cannot write to output directory") and str(blocker) in problem


@pytest.mark.parametrize(("command", "fine"), [((sys.executable, "-c", "pass"), True),
                                                (("no-such-program-of-ipp-wsgi",), False)])
def test_a_command_output_needs_its_program(tmp_path: Path, command: tuple[str, ...], fine: bool) -> None:
    problem = output_problem(EmbeddedPrinter("cmd", output="command", command=command), tmp_path)
    if fine:
        assert problem is None
    else:
        assert problem == "printer cmd: command no-such-program-of-ipp-wsgi is not found or not executable"


def test_a_file_output_needs_its_folder_not_its_device(tmp_path: Path) -> None:
    absent_device = EmbeddedPrinter("usb", output="file", device_uri=f"file://{tmp_path}/lp0")
    assert output_problem(absent_device, tmp_path) is None, "an unplugged device may come back"
    nowhere = EmbeddedPrinter("usb", output="file", device_uri=f"file://{tmp_path}/gone/lp0")
    assert output_problem(nowhere, tmp_path) == f"printer usb: {tmp_path}/gone (the folder of " \
                                                f"file://{tmp_path}/gone/lp0) does not exist"


def test_a_network_output_is_not_checked_at_start(tmp_path: Path) -> None:
    offline = EmbeddedPrinter("net", output="socket", device_uri="socket://127.0.0.1:1")
    assert output_problem(offline, tmp_path) is None
