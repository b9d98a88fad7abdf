#!/usr/bin/env bash
# The whole test run: lint, the security audits (scripts/audit.py: pip-audit and bandit), then
# pytest. When the PostgreSQL and Redis server binaries are on
# the machine (and DATABASE_URL / CELERY_BROKER_URL are not set), start throwaway instances on
# loopback for the run and stop them afterwards; otherwise run on SQLite and the filesystem
# broker. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
RUN_DIR=$(mktemp -d /tmp/cse-test.XXXXXX)
chmod 755 "$RUN_DIR"
pids=()

cleanup() {
  if [ -n "${PGDATA_DIR:-}" ] && [ -d "$PGDATA_DIR" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

free_port() {
  "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL refuses to run as root: run its server as the "postgres" user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

echo "== lint (ruff)"
"$BIN/ruff" check .
"$BIN/ruff" format --check .

# A finding that is not accepted (with its reason, in pyproject.toml) fails the run. A
# vulnerability service that cannot be reached is a loud warning, repeated after pytest, and a
# failure only under REQUIRE_AUDIT=1 (docs/security.md says why); pytest's summary repeats the
# warning (tests/conftest.py reads AUDIT_LOG), so that it is not lost above the tests.
echo "== audits (pip-audit against requirements.lock, bandit)"
set +e
"$BIN/python" scripts/audit.py | tee "$RUN_DIR/audit.log"
audit_status=${PIPESTATUS[0]}
set -e
export AUDIT_LOG="$RUN_DIR/audit.log"
if [ "$audit_status" != 0 ]; then
  echo "== the audits failed: see above"
  exit "$audit_status"
fi

if [ -z "${DATABASE_URL:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/postgres" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
    PGDATA_DIR="$RUN_DIR/pgdata"
    PG_PORT=$(free_port)
    mkdir -p "$PGDATA_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR" "$RUN_DIR"
    as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U cse --auth=trust -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/initdb.log" 2>&1 \
      || { cat "$RUN_DIR/initdb.log"; exit 1; }
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$RUN_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $RUN_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { cat "$RUN_DIR/postgres.log"; exit 1; }
    export DATABASE_URL="postgres://cse@127.0.0.1:$PG_PORT/postgres"
    echo "== PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') started for this run on 127.0.0.1:$PG_PORT"
  else
    [ "${REQUIRE_SERVICES:-}" = 1 ] && { echo "REQUIRE_SERVICES=1 but no PostgreSQL server binary"; exit 1; }
    echo "== PostgreSQL server not found: running on SQLite (NUL bytes, column lengths and row locks behave differently there: CI runs on PostgreSQL)"
  fi
else
  echo "== using DATABASE_URL from the environment"
fi

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if command -v redis-server >/dev/null 2>&1; then
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" --daemonize no &
    pids+=($!)
    for _ in $(seq 50); do
      "$BIN/python" -c "import redis,sys; redis.Redis(port=$REDIS_PORT).ping()" 2>/dev/null && break
      sleep 0.1
    done
    export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    echo "== Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) started for this run on 127.0.0.1:$REDIS_PORT"
  else
    [ "${REQUIRE_SERVICES:-}" = 1 ] && { echo "REQUIRE_SERVICES=1 but no redis-server binary"; exit 1; }
    export CELERY_BROKER_DIR="$RUN_DIR/broker"
    echo "== Redis server not found: the Celery worker uses the filesystem broker"
  fi
else
  echo "== using CELERY_BROKER_URL from the environment"
fi

echo "== pytest"
set +e
"$BIN/pytest" "$@"
status=$?
set -e
# pytest's 5 means "no tests collected": that is a failure of the run, not a pass.
exit $status
