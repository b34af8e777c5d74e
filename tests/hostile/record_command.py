"""The ``command`` output of the hostile tests: records what the spooler handed it.

Usage: ``record_command.py RECORD_DIR`` with the document on stdin. Writes ``RECORD_DIR/<job-id>-<n>.json``
holding its argv, its whole environment, and the size and sha256 of its input.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path


def main() -> None:
    """Record argv, environ and stdin of this run."""
    data = sys.stdin.buffer.read()
    record = {"argv": sys.argv, "env": dict(os.environ), "size": len(data),
              "sha256": hashlib.sha256(data).hexdigest()}
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{os.environ.get('IPP_JOB_ID', 'unknown')}-{os.environ.get('IPP_DOCUMENT_NUMBER', '0')}.json"
    (folder / name).write_text(json.dumps(record), "utf-8")


if __name__ == "__main__":
    main()
