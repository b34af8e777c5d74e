"""htpasswd files with bcrypt hashes, as Apache's ``htpasswd -B`` writes them: ``user:$2y$10$...``.

:class:`Htpasswd` checks passwords (with the ``bcrypt`` package) against a file it re-reads whenever the file
changes; :func:`set_password` and :func:`delete_user` change a file in place (``ipp-wsgi passwd``), written
whole to a temporary file and renamed over it, so a reader never sees half a file.

Checks take the same time whether the user exists or not (an unknown user is checked against a dummy hash
of the same cost), and hashes are compared by bcrypt itself. A bcrypt check costs milliseconds on purpose;
IPP clients send their credentials with every request, so a successful check is remembered (a keyed
digest of user, password and hash, never the password) until the file changes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path

import bcrypt

log = logging.getLogger(__name__)

DEFAULT_COST = 10
"""bcrypt's work factor for new passwords (htpasswd -B's -C; 4 to 17)."""
COSTS = range(4, 18)
_BCRYPT_PREFIXES = (b"$2y$", b"$2b$", b"$2a$")
_REMEMBERED_MAX = 1024


class HtpasswdError(ValueError):
    """A file or a user name that cannot be used; the message says why."""


def check_user_name(user: str) -> None:
    """Raise :class:`HtpasswdError` for a name htpasswd cannot hold (empty, ``:``, control characters)."""
    if not user or ":" in user or not user.isprintable() or user != user.strip() or len(user) > 255:
        raise HtpasswdError(f"bad user name {user!r}: no colon, no control characters, 1 to 255 characters")


def hash_password(password: str, cost: int = DEFAULT_COST) -> str:
    """A bcrypt hash of ``password`` in htpasswd's ``$2y$`` form (what Apache's ``htpasswd -B`` writes)."""
    if cost not in COSTS:
        raise HtpasswdError(f"the bcrypt cost must be from {COSTS.start} to {COSTS.stop - 1}")
    encoded = password.encode()
    if len(encoded) > 72:
        raise HtpasswdError("bcrypt uses at most 72 bytes of a password: choose a shorter one")
    hashed = bcrypt.hashpw(encoded, bcrypt.gensalt(rounds=cost, prefix=b"2b"))
    return "$2y$" + hashed.decode()[4:]


def _read_entries(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, sep, hashed = line.partition(":")
        if not sep:
            raise HtpasswdError(f"{path}:{number}: not user:hash")
        entries[user] = hashed.strip()
    return entries


def set_password(path: Path, user: str, password: str, cost: int = DEFAULT_COST) -> bool:
    """Add ``user`` to the htpasswd file (created, mode 0600, when missing) or change their password;
    True when the user was new. Other lines are kept as they are."""
    check_user_name(user)
    entry = f"{user}:{hash_password(password, cost)}"
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    new = True
    for index, line in enumerate(lines):
        if line.partition(":")[0] == user and ":" in line:
            lines[index] = entry
            new = False
    if new:
        lines.append(entry)
    _write(path, lines)
    return new


def delete_user(path: Path, user: str) -> bool:
    """Remove ``user`` from the file; False when they were not in it."""
    lines = path.read_text("utf-8").splitlines()
    kept = [line for line in lines if not (":" in line and line.partition(":")[0] == user)]
    if len(kept) == len(lines):
        return False
    _write(path, kept)
    return True


def _write(path: Path, lines: list[str]) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Htpasswd:
    """The users of one htpasswd file, for checking passwords; thread-safe."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._entries: dict[str, bytes] = {}
        self._remembered: set[bytes] = set()
        self._key = secrets.token_bytes(32)
        self._dummy = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=DEFAULT_COST))
        self.load()

    def load(self) -> None:
        """Read the file (raises :class:`HtpasswdError` or OSError when it cannot be used)."""
        stat = self.path.stat()
        entries = _read_entries(self.path)
        usable = {}
        for user, hashed in entries.items():
            if hashed.encode().startswith(_BCRYPT_PREFIXES):
                usable[user] = hashed.encode()
            else:
                log.warning("%s: the password of %r is not a bcrypt hash (htpasswd -B): that user cannot "
                            "sign in", self.path, user)
        with self._lock:
            self._entries = usable
            self._remembered = set()
            self._stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
            if (stat.st_mtime_ns, stat.st_size, stat.st_ino) != self._stamp:
                self.load()
        except (OSError, HtpasswdError, UnicodeDecodeError) as exc:
            log.error("cannot read the password file %s (%s): keeping the users read before", self.path, exc)

    def _digest(self, user: str, password: str, hashed: bytes) -> bytes:
        message = b"\0".join((user.encode(), password.encode(), hashed))
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def remembered(self, user: str, password: str) -> bool:
        """True when these credentials were checked good since the file last changed (no bcrypt work)."""
        hashed = self._entries.get(user)
        return hashed is not None and self._digest(user, password, hashed) in self._remembered

    def check(self, user: str, password: str) -> bool:
        """True when ``password`` is ``user``'s; the file is re-read first if it changed."""
        self._refresh()
        hashed = self._entries.get(user)
        if hashed is not None and self._digest(user, password, hashed) in self._remembered:
            return True
        encoded = password.encode()[:72]  # what bcrypt reads of a password (Apache's htpasswd too)
        if hashed is None:
            bcrypt.checkpw(encoded, self._dummy)  # the same work as for a user who exists
            return False
        try:
            good = bcrypt.checkpw(encoded, hashed)
        except ValueError:  # a malformed hash in the file
            return False
        if good:
            with self._lock:
                if len(self._remembered) >= _REMEMBERED_MAX:
                    self._remembered.clear()
                self._remembered.add(self._digest(user, password, hashed))
        return good
