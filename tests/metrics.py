"""Reading the process's Prometheus metrics in tests.

Metrics are process-global and never reset: a test compares a value before and after
what it does, never an absolute value.
"""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def value(name: str, **labels: str) -> float:
    """A sample's value in this process's default registry (0 when never observed)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def samples(exposition: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, labels): value} of a text exposition (fails if it does not parse)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def sample(parsed: dict, name: str, **labels: str) -> float | None:
    return parsed.get((name, frozenset(labels.items())))
