"""Several processes (gunicorn's workers, a prefork worker's children) write their
metrics to PROMETHEUS_MULTIPROC_DIR; whichever serves /metrics sums them all."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.metrics import sample, samples
from tests.subprocesses import run_python

pytestmark = pytest.mark.django_db

# A process of its own, as a gunicorn worker is: prometheus_client reads
# PROMETHEUS_MULTIPROC_DIR when it is first imported, so the variable is set before.
WRITER = """
import sys
from core.metrics import HTTP_REQUEST_SECONDS, RATE_LIMIT_REFUSALS
RATE_LIMIT_REFUSALS.inc(int(sys.argv[1]))
HTTP_REQUEST_SECONDS.labels("GET", "phone-numbers", "200").observe(float(sys.argv[2]))
"""


def test_the_exposition_sums_what_every_process_wrote(tmp_path, monkeypatch):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    run_python(WRITER, "2", "0.02", env=env)
    run_python(WRITER, "3", "0.3", env=env)
    assert len(list(tmp_path.glob("*.db"))) >= 2  # a file per process and kind

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    response = Client().get("/metrics")

    assert response.status_code == 200
    parsed = samples(response.content.decode())
    assert sample(parsed, "inventory_rate_limit_refusals_total") == 5
    labels = {"method": "GET", "route": "phone-numbers", "status": "200"}
    assert sample(parsed, "inventory_http_request_duration_seconds_count", **labels) == 2
    assert sample(parsed, "inventory_http_request_duration_seconds_bucket", **labels, le="0.25")
    assert (
        sample(parsed, "inventory_http_request_duration_seconds_bucket", **labels, le="0.25") == 1
    )
    # Read from the files, not this process: its own (and its CPU figures) are not there.
    assert not any(name == "process_cpu_seconds_total" for name, _ in parsed)
    # The database's figures are read by whichever process answers.
    assert sample(parsed, "inventory_webhook_deliveries_due") == 0
