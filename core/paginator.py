"""A paginator for very large admin lists: counts stop at a cap instead of scanning all rows.

Django's changelist counts every matching row to number its pages; at a million
rows that COUNT(*) costs more than the page itself. Up to COUNT_CAP rows are
counted exactly; beyond that the count is the cap ("10,000+" pages are enough to
browse; filters and search narrow the rest).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        limited = self.object_list.order_by()[: COUNT_CAP + 1]
        return min(limited.count(), COUNT_CAP)
