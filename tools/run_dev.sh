#!/usr/bin/env bash
# Start the background worker and the scheduler, print the demo logins, serve the app.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/log
"$BIN/python" manage.py db_worker --queue-name default --no-reload >var/log/worker.log 2>&1 &
WORKER=$!
"$BIN/python" manage.py scheduler >var/log/scheduler.log 2>&1 &
SCHEDULER=$!
trap 'kill $WORKER $SCHEDULER 2>/dev/null || true' EXIT INT TERM
"$BIN/python" manage.py demo_logins --url "http://$HOST:$PORT/"
exec_server() { "$BIN/python" manage.py runserver "$HOST:$PORT" --noreload; }
exec_server
