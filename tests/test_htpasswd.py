"""htpasswd files: bcrypt entries Apache's htpasswd understands, users added, changed and removed, the file
re-read when it changes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import require_tool

from ipp_wsgi.htpasswd import Htpasswd, HtpasswdError, delete_user, hash_password, set_password


def test_a_user_is_added_changed_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "users"
    assert set_password(path, "admin", "first", cost=4) is True
    assert path.stat().st_mode & 0o777 == 0o600
    assert set_password(path, "alice", "hers", cost=4) is True
    users = Htpasswd(path)
    assert users.check("admin", "first") and users.check("alice", "hers")
    assert not users.check("admin", "hers") and not users.check("nobody", "first")
    assert set_password(path, "admin", "second", cost=4) is False
    assert [line.split(":")[0] for line in path.read_text().splitlines()] == ["admin", "alice"]
    assert users.check("admin", "second") and not users.check("admin", "first")  # re-read on change
    assert delete_user(path, "alice") and not delete_user(path, "alice")
    assert not users.check("alice", "hers")


def test_entries_are_what_apache_htpasswd_writes_and_reads(tmp_path: Path) -> None:
    htpasswd = require_tool("htpasswd")
    path = tmp_path / "users"
    set_password(path, "ours", "pass word", cost=5)
    assert path.read_text().startswith("ours:$2y$05$")
    verified = subprocess.run([htpasswd, "-vb", str(path), "ours", "pass word"], capture_output=True,
                              text=True, check=False)
    assert verified.returncode == 0, verified.stderr
    subprocess.run([htpasswd, "-bB", str(path), "theirs", "s3cret"], check=True, capture_output=True)
    users = Htpasswd(path)
    assert users.check("theirs", "s3cret") and users.check("ours", "pass word")


def test_a_good_check_is_remembered_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "users"
    set_password(path, "admin", "pw", cost=4)
    users = Htpasswd(path)
    assert not users.remembered("admin", "pw")
    assert users.check("admin", "pw") and users.remembered("admin", "pw")
    assert not users.remembered("admin", "other")
    set_password(path, "admin", "new", cost=4)
    assert not users.check("admin", "pw") and not users.remembered("admin", "pw")


def test_non_bcrypt_entries_cannot_sign_in(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "users"
    path.write_text("md5:$apr1$abc$def\nplain:secret\n# a comment\n\n")
    users = Htpasswd(path)
    assert not users.check("plain", "secret") and not users.check("md5", "x")
    assert "not a bcrypt hash" in caplog.text


@pytest.mark.parametrize("name", ["", "a:b", "new\nline", " padded", "x" * 256])
def test_bad_user_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(HtpasswdError):
        set_password(tmp_path / "users", name, "pw", cost=4)


def test_bad_files_and_passwords(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Htpasswd(tmp_path / "missing")
    (tmp_path / "broken").write_text("no colon here\n")
    with pytest.raises(HtpasswdError, match="broken:1"):
        Htpasswd(tmp_path / "broken")
    with pytest.raises(HtpasswdError, match="72 bytes"):
        hash_password("x" * 73, cost=4)
    with pytest.raises(HtpasswdError, match="cost"):
        hash_password("x", cost=3)


def test_a_file_that_goes_bad_keeps_the_users_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "users"
    set_password(path, "admin", "pw", cost=4)
    users = Htpasswd(path)
    shutil.move(path, tmp_path / "moved")
    assert users.check("admin", "pw")
    assert "cannot read the password file" in caplog.text
    os.replace(tmp_path / "moved", path)
