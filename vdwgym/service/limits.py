"""Bounds the lab service holds every request to (sizes, counts, names, durations)."""

from __future__ import annotations

import re

MAX_BODY_BYTES = 256 * 1024
"""Largest request body accepted; larger ones get 413."""

MAX_BATCH = 64
"""Most recipes in one submission."""

MAX_BUDGET = 10_000
"""Largest evaluation budget of one campaign."""

MAX_SEED = 2**53 - 1
"""Largest campaign root seed accepted over HTTP: every JSON client (JavaScript included)
holds integers up to 2**53 - 1 exactly."""

MAX_CAMPAIGNS = 1_000
"""Most campaigns one server root holds."""

FILES_PER_CAMPAIGN = 4
"""Open files one served campaign holds (its store, -wal and -shm, and a margin); the
server's campaign capacity is ``min(MAX_CAMPAIGNS, (open-file limit - RESERVED_FILES) //
FILES_PER_CAMPAIGN)`` after raising its soft open-file limit to the hard one."""

RESERVED_FILES = 256
"""Open files kept for connections, logs and worker run files."""

MAX_PAGE = 1_000
"""Most evaluations returned by one listing."""

MAX_STREAM_S = 600.0
"""Longest one server-sent-event stream stays open."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Campaign names and request ids: a letter or digit, then up to 63 of ``[A-Za-z0-9_.-]``
(``t8.5`` is a name; a name never starts with ``.``, so never ``.`` or ``..``)."""

NAME_RE = re.compile(NAME_PATTERN)
