"""The database cache with an atomic `incr`, so concurrent rate-limit counts add up.

Django's DatabaseCache increments by reading the value and writing it back; two
web processes counting the same caller at the same moment then both write N+1.
This `incr` swaps the value only if nobody changed it in between, so every
request is counted.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta: int = 1, version=None) -> int:
        """Read, then compare-and-swap: two statements, no transaction, nothing lost.

        The UPDATE only applies if the value is still the one read, so of two
        concurrent increments one wins and the other reads again and retries.
        """
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column, value_column = quote(self._table), quote("cache_key"), quote("value")
        while True:
            now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {value_column} FROM {table} "
                    f"WHERE {key_column} = %s AND {quote('expires')} > %s",
                    [key, now],
                )
                row = cursor.fetchone()
                if row is None:
                    raise ValueError(f"Key '{key}' not found")
                value = pickle.loads(base64.b64decode(row[0].encode())) + delta
                encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol))
                cursor.execute(
                    f"UPDATE {table} SET {value_column} = %s "
                    f"WHERE {key_column} = %s AND {value_column} = %s",
                    [encoded.decode("latin1"), key, row[0]],
                )
                if cursor.rowcount == 1:
                    return value
