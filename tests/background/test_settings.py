"""What the environment makes of background work: the broker, beat's schedule, no eager runs.

Each case reads the local settings in a fresh Python (settings are read once per process).
"""

import json
import os
from datetime import timedelta

import pytest
from django.conf import settings

from tests.subprocesses import run_python

# Variables that must not leak in from the shell running the tests.
OURS = ("CELERY_BROKER_URL", "REDIS_URL", "CELERY_DATA_DIR", "WARMUP_TICK_SECONDS", "DEMO_TRAFFIC")

READ = """
import json
import django

django.setup()

from django.conf import settings
from config import celery_app

print(json.dumps({
    "broker": celery_app.conf.broker_url,
    "transport_options": celery_app.conf.broker_transport_options,
    "beat": {
        name: [entry["task"], entry["schedule"].total_seconds()]
        for name, entry in celery_app.conf.beat_schedule.items()
    },
    "schedule_file": celery_app.conf.beat_schedule_filename,
}))
"""


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in OURS}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", CELERY_DATA_DIR=str(tmp_path))
    return env


def read(env: dict[str, str], **changes: str) -> dict:
    return json.loads(run_python(READ, env={**env, **changes}))


def test_without_a_broker_url_messages_go_through_a_folder_of_the_data_dir(env, tmp_path):
    configured = read(env)

    assert configured["broker"].startswith("filesystem://")
    assert configured["transport_options"] == {
        "data_folder_in": str(tmp_path / "messages"),
        "data_folder_out": str(tmp_path / "messages"),
        "control_folder": str(tmp_path / "control"),
    }
    assert configured["schedule_file"] == str(tmp_path / "celerybeat-schedule")
    # Created when the app is configured: kombu would fail on a missing folder.
    assert (tmp_path / "messages").is_dir()
    assert (tmp_path / "control").is_dir()


def test_redis_url_is_the_broker_with_a_visibility_timeout_beyond_the_longest_task(env):
    configured = read(env, REDIS_URL="redis://127.0.0.1:6379/11")

    assert configured["broker"] == "redis://127.0.0.1:6379/11"
    timeout = configured["transport_options"]["visibility_timeout"]
    assert timeout > settings.CELERY_TASK_TIME_LIMIT


def test_celery_broker_url_wins_over_redis_url(env):
    configured = read(
        env,
        REDIS_URL="redis://127.0.0.1:6379/11",
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//",
    )

    assert configured["broker"] == "amqp://guest:guest@127.0.0.1:5672//"


def test_beat_ticks_the_engine_counts_the_dashboard_keeps_providers_in_step_and_sends_webhooks(
    env,
):
    configured = read(
        env,
        WARMUP_TICK_SECONDS="120",
        DASHBOARD_REFRESH_SECONDS="45",
        RECONCILE_EVERY_SECONDS="600",
        PROVIDER_RELEASE_RETRY_SECONDS="90",
        PROVIDER_ORDER_POLL_SECONDS="30",
    )

    assert configured["beat"] == {
        "warmup-tick": ["warmup.tick", 120.0],
        "dashboard-counts": ["phonenumbers.refresh_dashboard_counts", 45.0],
        "warmup-purge-outcomes": ["warmup.purge_outcomes", 3600.0],
        "provider-reconcile": ["providers.reconcile_all", 600.0],
        "provider-webhook-sweep": ["providers.sweep_events", 60.0],
        "provider-release-retry": ["providers.retry_releases", 90.0],
        "provider-order-poll": ["providers.poll_orders", 30.0],
        "webhook-sweep": ["webhooks.sweep", 5.0],
        "webhook-purge": ["webhooks.purge", 3600.0],
    }


def test_demo_traffic_is_scheduled_only_when_asked_for(env):
    configured = read(env, DEMO_TRAFFIC="1")

    assert configured["beat"]["warmup-demo-traffic"] == ["warmup.demo_traffic", 60.0]


def test_tests_run_nothing_eagerly_and_keep_results_a_week():
    kept_for = settings.CELERY_RESULT_EXPIRES

    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert kept_for == timedelta(days=7)
    assert settings.CELERY_RESULT_BACKEND == "django-db"
