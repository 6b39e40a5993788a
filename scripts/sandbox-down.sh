#!/usr/bin/env bash
# Stop the Prometheus that scrapes the stand-in apps, the launchkit sandbox, every redis-server it started, the PgBouncer in front of the local
# PostgreSQL and that PostgreSQL; then the same for each private sandbox of a parallel test worker
# under $STATE/workers/ (tests/worker_sandbox.py). Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SANDBOX_STATE_DIR:-$ROOT/.sandbox}"
PIDFILE="$STATE/server.pid"

log() { printf 'sandbox-down: %s\n' "$*" >&2; }

# pid_is PID WORD: the process exists and its command line contains WORD (pids get reused)
pid_is() {
    local cmdline
    [[ -r "/proc/$1/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline")"
    [[ "$cmdline" == *"$2"* ]]
}

wait_gone() {
    local pid="$1" tries=0
    while kill -0 "$pid" 2>/dev/null && ((tries < 60)); do
        sleep 0.25
        tries=$((tries + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

stop_server() {
    [[ -f "$PIDFILE" ]] || return 0
    local pid
    pid="$(cat "$PIDFILE")"
    if [[ -n "$pid" ]] && pid_is "$pid" sandbox.server; then
        log "stopping sandbox (pid $pid)"
        kill -TERM "$pid"
        wait_gone "$pid"
    fi
    rm -f "$PIDFILE"
}

stop_leftover_redis() {
    local pidfile pid
    for pidfile in "$STATE"/redis/*/redis.pid; do
        [[ -f "$pidfile" ]] || continue
        pid="$(cat "$pidfile")"
        if [[ -n "$pid" ]] && pid_is "$pid" redis-server; then
            log "stopping leftover redis-server (pid $pid)"
            kill -TERM "$pid"
            wait_gone "$pid"
        fi
        rm -f "$pidfile"
    done
}

# stop_pidfile PIDFILE WORD NAME: stop the process PIDFILE names when its command line has WORD
stop_pidfile() {
    local pidfile="$1" pid
    [[ -f "$pidfile" ]] || return 0
    pid="$(cat "$pidfile")"
    if [[ -n "$pid" ]] && pid_is "$pid" "$2"; then
        log "stopping $3 (pid $pid)"
        kill -TERM "$pid"
        wait_gone "$pid"
    fi
    rm -f "$pidfile"
}

stop_pooler() { stop_pidfile "$STATE/pgbouncer/pgbouncer.pid" pgbouncer PgBouncer; }
stop_prometheus() { stop_pidfile "$STATE/prometheus/prometheus.pid" prometheus Prometheus; }

as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_postgres() {
    local data="$STATE/pg/data" dirs bindir
    [[ -s "$data/PG_VERSION" ]] || return 0
    dirs=(/usr/lib/postgresql/*/bin)
    [[ -x "${dirs[0]}/pg_ctl" ]] || return 0
    bindir="$(printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1)"
    if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "stopping PostgreSQL"
        as_pg "$bindir/pg_ctl" -D "$data" stop -m fast >/dev/null
    fi
}

# The test workers' private sandboxes (make test-integration / test-system under pytest-xdist): each
# stops its own at the end of its session; this catches what an interrupted run left running.
stop_workers() {
    local dir
    for dir in "$STATE"/workers/*/; do
        [[ -d "$dir" ]] || continue
        SANDBOX_STATE_DIR="${dir%/}" SANDBOX_DOWN_QUIET=1 bash "${BASH_SOURCE[0]}" \
            || log "could not stop the worker sandbox in ${dir%/}"
    done
}

stop_prometheus
stop_server
stop_leftover_redis
stop_pooler
stop_postgres
stop_workers
[[ -n "${SANDBOX_DOWN_QUIET:-}" ]] || log "stopped"
