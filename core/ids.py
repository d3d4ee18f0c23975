"""Primary keys of the high-volume tables: time-ordered UUIDs (version 7, RFC 9562).

A version 7 UUID starts with its creation time in milliseconds, so new rows land at the
right-hand end of the primary-key index (and of the indexes of the rows that point to
them) instead of on a random page: inserts and foreign-key checks touch a few hot pages
rather than the whole index. They are still UUIDs, unguessable enough for URLs, and
mix freely with the version 4 ids of rows created before.
"""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()
