#!/usr/bin/env bash
# Create throughput under gunicorn: POST /phone-numbers against a bare Django view
# doing the same inserts (bench/bare_view.py), same server, same run.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bash bench/throughput.sh
#
# Needs wrk (apt-get install -y wrk). Optional: REDIS_URL to count rate limits in
# Redis instead of the database; WORKERS (default: cores), DURATION (default 20s).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
PORT=${PORT:-8899}
WORKERS=${WORKERS:-$(nproc)}
DURATION=${DURATION:-20s}
export DJANGO_SETTINGS_MODULE=bench.settings SECRET_KEY=bench ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 API_RATE_LIMIT=100000000/min LOG_LEVEL=WARNING

.venv/bin/python manage.py migrate --verbosity 0
BUSINESS=$(.venv/bin/python manage.py shell -c \
  "from businesses.models import Business; print(Business.objects.order_by('name').first().pk)" | tail -n 1)
KEY=$(.venv/bin/python manage.py create_api_key bench-load --staff --name bench | tail -n 1)
forget_load() {  # rows of earlier runs, so every run creates new numbers
  psql "$DATABASE_URL" -q -c "
    CREATE TEMP TABLE load AS SELECT id FROM phonenumbers_app_phonenumber WHERE name LIKE 'Load %';
    DELETE FROM phonenumbers_app_phonenumberevent WHERE phone_number_id IN (SELECT id FROM load);
    DELETE FROM phonenumbers_app_tendlc WHERE phone_number_id IN (SELECT id FROM load);
    DELETE FROM phonenumbers_app_billing WHERE phone_number_id IN (SELECT id FROM load);
    DELETE FROM phonenumbers_app_phonenumber WHERE id IN (SELECT id FROM load);"
}
export BUSINESS KEY

.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --env DJANGO_SETTINGS_MODULE=bench.settings --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

run() {  # label path area
  forget_load
  echo "== $1 ($WORKERS workers, 4 connections, $DURATION)"
  AREA=$3 wrk -t 2 -c 4 -d "$DURATION" -s bench/create.lua "http://127.0.0.1:$PORT$2" \
    | grep -E "Requests/sec|Latency|non-2xx"
}
echo "cores: $(nproc); cache: ${REDIS_URL:-database}"
run "bare Django view, same inserts" /bench/bare-create 212
run "POST /phone-numbers" /phone-numbers 312
run "bare Django view, same inserts (again)" /bench/bare-create 646
run "POST /phone-numbers (again)" /phone-numbers 718
