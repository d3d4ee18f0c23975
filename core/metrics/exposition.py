"""Which registry an exposition reads: this process's, or every process's files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector


class _Registry:
    """Another registry's metrics as one collector (a registry cannot be registered)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return self.registry.collect()


def multiprocess_directory() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR: where the processes of a gunicorn or a prefork Celery
    worker write their values (prometheus_client reads the same variable)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def registry(extra: Iterable[object] = ()) -> CollectorRegistry:
    """A registry for one exposition: the sum of every process's files when
    PROMETHEUS_MULTIPROC_DIR is set (several workers), else this process's own metrics
    (with its CPU, memory and GC figures); plus the `extra` collectors."""
    result = CollectorRegistry(auto_describe=False)
    directory = multiprocess_directory()
    if directory:
        MultiProcessCollector(result, path=directory)
    else:
        result.register(_Registry(REGISTRY))
    for collector in extra:
        result.register(collector)
    return result
