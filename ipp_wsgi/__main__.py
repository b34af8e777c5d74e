"""``python -m ipp_wsgi``: the ``ipp-wsgi`` command."""

from __future__ import annotations

import sys

from ipp_wsgi.cli import main

sys.exit(main())
