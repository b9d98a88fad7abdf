#!/usr/bin/env bash
# Serve the app and run a Celery worker beside it; Ctrl-C (or either one ending) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# Each server runs in a process group of its own (job control), so that Ctrl-C reaches this
# script alone and each server is stopped once, by stop() below (a Ctrl-C that reached them
# as well would make each print its shutdown twice). The group holds the development
# server's autoreloader child too.
set -m
# --beat: the worker runs the beat scheduler too (the daily review reminders).
$BIN/celery -A cse_portal worker --beat --loglevel=INFO --concurrency=1 --pool=solo &
worker=$!
$BIN/python manage.py runserver "$HOST:$PORT" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM -- "-$web" "-$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT
echo "CSE Portal on http://$HOST:$PORT/ — sign in as lead@demo.test / demo-password. Ctrl-C stops."
# Whichever ends first ends both.
wait -n "$web" "$worker"
