"""Production settings plus the bare yardstick view, for bench/throughput.sh only."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
