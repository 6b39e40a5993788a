#!/usr/bin/env bash
# Start a local PostgreSQL (passwords required for every role but the admin `postgres`), a PgBouncer
# in transaction pooling mode in front of it (a Supabase-style pooler for "external" databases), then
# the launchkit sandbox (local stand-in for the vendor APIs, its Render Postgres backed by that
# PostgreSQL), then write .sandbox/env. Idempotent: what already runs is kept (PostgreSQL gets its
# pg_hba.conf rewritten and reloaded, PgBouncer is restarted only when its config changes), and the
# env file is rewritten.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-.venv/bin/python}"
PORT="${SANDBOX_PORT:-8765}"
PG_PORT="${SANDBOX_PG_PORT:-54329}"
PROM_PORT="${SANDBOX_PROMETHEUS_PORT:-9465}"  # never 9090: Debian's own prometheus may hold it
PROM_URL="http://127.0.0.1:${PROM_PORT}"
STATE="${SANDBOX_STATE_DIR:-$ROOT/.sandbox}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
URL="http://127.0.0.1:${PORT}"
PIDFILE="$STATE/server.pid"
LOGFILE="$STATE/server.log"
HEALTH_TIMEOUT=20
PG_URL=""  # the admin URL, set once PostgreSQL runs
POOLER_URL=""  # postgresql://127.0.0.1:<port>/postgres (no user: a template), set once PgBouncer runs
POOLER_STATS_URL=""  # its read-only console (SHOW ...), set with it
POOLER_STATS_USER=pooler_stats
POOLER_STATS_PASSWORD=sandbox-pooler-stats
POOLER_DIR="" POOLER_PORT=""  # what pooler_ready and pooler_failed look at

log() { printf 'sandbox-up: %s\n' "$*" >&2; }

healthy() {
    "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/_sandbox/health", timeout=1)' \
        "$URL" >/dev/null 2>&1
}

# The running sandbox has a PostgreSQL behind Render Postgres (GET /_sandbox/state names its server)
serves_postgres() {
    "$PYTHON" -c 'import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1] + "/_sandbox/state", timeout=5))
sys.exit(0 if state["vendors"]["render"].get("postgres_server") else 1)' "$URL" >/dev/null 2>&1
}

start_server() {
    if healthy; then
        log "sandbox already up at $URL"
        if [[ -n "$PG_URL" ]] && ! serves_postgres; then
            log "WARNING: that sandbox runs without PostgreSQL (Render Postgres is refused): restart it with"
            log "WARNING: scripts/sandbox-down.sh && scripts/sandbox-up.sh"
        fi
        return
    fi
    if [[ ! -x "$PYTHON" ]] && ! command -v "$PYTHON" >/dev/null 2>&1; then
        log "python not found: $PYTHON (set PYTHON=...)"
        exit 1
    fi
    local pg_args=()
    if [[ -n "$PG_URL" ]]; then
        pg_args=(--pg-url "$PG_URL")
    fi
    log "starting sandbox at $URL (log: $LOGFILE)"
    nohup "$PYTHON" -m sandbox.server --host 127.0.0.1 --port "$PORT" --state-dir "$STATE" "${pg_args[@]}" \
        --prometheus-url "$PROM_URL" \
        >>"$LOGFILE" 2>&1 </dev/null &
    echo "$!" >"$PIDFILE"
    await $((HEALTH_TIMEOUT * 4)) "$LOGFILE" "sandbox did not become healthy within ${HEALTH_TIMEOUT}s" \
        healthy server_gone
    log "sandbox is up (pid $(cat "$PIDFILE"))"
}

server_gone() { ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# await TRIES LOGFILE WHAT READY GONE: run the function READY every 0.25 s until it succeeds; when
# the function GONE succeeds (the process died) or after TRIES tries, say WHAT, show LOGFILE's last
# lines and exit 1.
await() {
    local tries="$1" logfile="$2" what="$3" ready="$4" gone="$5" waited=0
    until "$ready"; do
        if ((waited >= tries)) || "$gone"; then
            log "$what; last log lines:"
            tail -n 30 "$logfile" >&2 || true
            exit 1
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
}

# Say whether the sandbox checks requests and responses against the vendors' specs, and why not.
report_validation() {
    local line
    if line="$("$PYTHON" -m sandbox.guard "$URL")"; then
        log "$line"
    else
        log "$line"
        log "WARNING: the test suites refuse to run against this sandbox"
    fi
}

pg_bindir() {
    local dirs=(/usr/lib/postgresql/*/bin)
    [[ -x "${dirs[0]}/pg_ctl" ]] || return 0
    printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
}

as_pg() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Password authentication: over TCP only the admin role `postgres` is trusted; every other role
# (the Render Postgres users the sandbox creates) must give its password. The socket stays trusted.
write_hba() {
    local hba="$1/pg_hba.conf"
    as_pg tee "$hba" >/dev/null <<'HBA'
# Written by scripts/sandbox-up.sh (rewritten at every start)
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       all                      trust
host    all       postgres  127.0.0.1/32   trust
host    all       all       127.0.0.1/32   scram-sha-256
HBA
}

start_postgres() {
    local bindir data run
    bindir="$(pg_bindir)"
    if [[ -z "$bindir" ]]; then
        log "WARNING: no PostgreSQL binaries under /usr/lib/postgresql: continuing without PostgreSQL"
        log "WARNING: the sandbox will refuse to create Render Postgres instances"
        return
    fi
    data="$STATE/pg/data"
    run="$STATE/pg/run"
    mkdir -p "$STATE/pg" "$run"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown -R postgres:postgres "$STATE/pg"
    fi
    if [[ ! -s "$data/PG_VERSION" ]]; then
        log "initdb $data"
        as_pg "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
    fi
    write_hba "$data"
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
    if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "PostgreSQL already running: reloading pg_hba.conf"
        as_pg "$bindir/pg_ctl" -D "$data" reload >/dev/null
        return
    fi
    log "starting PostgreSQL $(basename "$(dirname "$bindir")") on 127.0.0.1:$PG_PORT"
    as_pg "$bindir/pg_ctl" -D "$data" -l "$STATE/pg/postgres.log" -w -t 30 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $run -c fsync=off -c password_encryption=scram-sha-256" \
        start >/dev/null
}

pgbouncer_bin() {
    command -v pgbouncer 2>/dev/null || { [[ -x /usr/sbin/pgbouncer ]] && echo /usr/sbin/pgbouncer; } || true
}

# The port PgBouncer listens on: SANDBOX_PG_POOLER_PORT, else the one its config already names (a
# restart keeps the address the env file gave), else one the kernel picks now.
pooler_port() {
    local ini="$1" port
    if [[ -n "${SANDBOX_PG_POOLER_PORT:-}" ]]; then
        echo "$SANDBOX_PG_POOLER_PORT"
        return
    fi
    if [[ -f "$ini" ]]; then
        port="$(sed -n 's/^listen_port = \([0-9]*\)$/\1/p' "$ini")"
        if [[ -n "$port" ]]; then
            echo "$port"
            return
        fi
    fi
    "$PYTHON" -c 'import socket
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    print(probe.getsockname()[1])'
}

# Our PgBouncer (the one whose pid its pidfile holds) listens on PORT: its log says so. A port that
# another sandbox's PgBouncer took would answer too, so answering is not enough (and `pgbouncer -d`
# exits 0 before it finds the port taken).
pooler_listens() {
    local dir="$1" port="$2" pid
    pid="$(pooler_pid "$dir")"
    [[ -n "$pid" ]] && grep -qF "[$pid] LOG listening on 127.0.0.1:$port" "$dir/pgbouncer.log" 2>/dev/null
}

# The pid in DIR's pidfile when that process runs pgbouncer (pids get reused), else nothing.
pooler_pid() {
    local pid
    pid="$(cat "$1/pgbouncer.pid" 2>/dev/null || true)"
    if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q pgbouncer; then
        echo "$pid"
    fi
}

# PgBouncer in transaction pooling mode in front of the sandbox's PostgreSQL, as the user PostgreSQL
# runs as (PgBouncer refuses root). Any database of the server is reachable through it (the `*`
# entry). Logins are checked with auth_query: PgBouncer reads the role's SCRAM secret from the server
# (as `postgres`, which the server trusts over loopback) at each login, so the roles the seed, Render
# Postgres or a password rotation make later log in without a reload. Superusers and roles without a
# password get no secret and cannot log in through it.
start_pooler() {
    local bin dir ini port pid wanted waited=0
    [[ -n "$PG_URL" ]] || return 0
    bin="$(pgbouncer_bin)"
    if [[ -z "$bin" ]]; then
        log "WARNING: pgbouncer is not installed (scripts/install-system-deps.sh): no transaction pooler"
        log "WARNING: SANDBOX_PG_POOLER_URL stays empty; the SyncKairos rehearsal needs it"
        return
    fi
    dir="$STATE/pgbouncer"
    ini="$dir/pgbouncer.ini"
    mkdir -p "$dir"
    port="$(pooler_port "$ini")"
    wanted="$(cat <<INI
; Written by scripts/sandbox-up.sh
[databases]
* = host=127.0.0.1 port=$PG_PORT auth_user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pool_mode = transaction
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
auth_user = postgres
auth_query = SELECT rolname, rolpassword FROM pg_authid WHERE rolname = \$1 AND rolcanlogin AND NOT rolsuper
ignore_startup_parameters = extra_float_digits
stats_users = $POOLER_STATS_USER
default_pool_size = 10
max_client_conn = 200
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
)"
    POOLER_URL="postgresql://127.0.0.1:$port/postgres"
    POOLER_STATS_URL="postgresql://$POOLER_STATS_USER:$POOLER_STATS_PASSWORD@127.0.0.1:$port/pgbouncer"
    if [[ "$(cat "$ini" 2>/dev/null)" == "$wanted" ]] && pooler_listens "$dir" "$port"; then
        log "PgBouncer already running on 127.0.0.1:$port"
        return
    fi
    pid="$(pooler_pid "$dir")"
    if [[ -n "$pid" ]]; then
        log "restarting PgBouncer (its config changed)"
        kill -TERM "$pid"
        while kill -0 "$pid" 2>/dev/null && ((waited < 40)); do
            sleep 0.25
            waited=$((waited + 1))
        done
        waited=0
    fi
    rm -f "$dir/pgbouncer.pid"  # a stale one (its process is gone) would stop the start
    : >"$dir/pgbouncer.log"  # this start's lines only: a FATAL in it means it failed
    printf '%s\n' "$wanted" >"$ini"
    # The stats user (SHOW POOLS, SHOW STATS on the `pgbouncer` console, for the tests); auth_user
    # (postgres) is not here: the server trusts it without a password.
    printf '"%s" "%s"\n' "$POOLER_STATS_USER" "$POOLER_STATS_PASSWORD" >"$dir/userlist.txt"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown -R postgres:postgres "$dir"
    fi
    log "starting PgBouncer (transaction pooling) on 127.0.0.1:$port"
    if ! as_pg "$bin" -d "$ini"; then
        log "PgBouncer did not start; last log lines:"
        tail -n 20 "$dir/pgbouncer.log" >&2 || true
        exit 1
    fi
    POOLER_DIR="$dir" POOLER_PORT="$port"
    await 40 "$dir/pgbouncer.log" "PgBouncer does not listen on 127.0.0.1:$port" pooler_ready pooler_failed
}

pooler_ready() { pooler_listens "$POOLER_DIR" "$POOLER_PORT"; }
pooler_failed() { grep -q "FATAL" "$POOLER_DIR/pgbouncer.log" 2>/dev/null; }

prometheus_bin() {
    command -v prometheus 2>/dev/null || { [[ -x /usr/bin/prometheus ]] && echo /usr/bin/prometheus; } || true
}

# The pid in the prometheus pidfile when that process runs prometheus, else nothing.
prometheus_pid() {
    local pid
    pid="$(cat "$STATE/prometheus/prometheus.pid" 2>/dev/null || true)"
    if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q prometheus; then
        echo "$pid"
    fi
}

prometheus_ready() {
    "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/-/ready", timeout=1)' \
        "$PROM_URL" >/dev/null 2>&1
}
prometheus_gone() { [[ -z "$(prometheus_pid)" ]]; }

# A real Prometheus that scrapes every stand-in app: it finds them through the sandbox's HTTP SD route
# (/_sandbox/prometheus/targets). Kept when it runs with the same config; its data lives an hour.
start_prometheus() {
    local bin dir wanted pid interval="${SANDBOX_PROMETHEUS_SCRAPE_INTERVAL:-1s}"
    bin="$(prometheus_bin)"
    if [[ -z "$bin" ]]; then
        log "WARNING: prometheus is not installed (scripts/install-system-deps.sh): no Prometheus, and Grafana's"
        log "WARNING: data source grafanacloud-prom answers no query"
        PROM_URL=""
        return
    fi
    dir="$STATE/prometheus"
    mkdir -p "$dir/data"
    wanted="$(cat <<YML
# Written by scripts/sandbox-up.sh
global:
  scrape_interval: $interval
  scrape_timeout: $interval
  evaluation_interval: $interval
scrape_configs:
  - job_name: sandbox-apps
    http_sd_configs:
      - url: $URL/_sandbox/prometheus/targets
        refresh_interval: 2s
YML
)"
    pid="$(prometheus_pid)"
    if [[ -n "$pid" && "$(cat "$dir/prometheus.yml" 2>/dev/null)" == "$wanted" ]] && prometheus_ready; then
        log "Prometheus already running at $PROM_URL"
        return
    fi
    if [[ -n "$pid" ]]; then
        kill -TERM "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.25; done
    fi
    printf '%s\n' "$wanted" >"$dir/prometheus.yml"
    log "starting Prometheus at $PROM_URL (log: $dir/prometheus.log)"
    nohup "$bin" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --storage.tsdb.retention.time=1h --web.listen-address="127.0.0.1:$PROM_PORT" \
        >>"$dir/prometheus.log" 2>&1 </dev/null &
    echo "$!" >"$dir/prometheus.pid"
    await 80 "$dir/prometheus.log" "Prometheus did not become ready at $PROM_URL" prometheus_ready prometheus_gone
}

# "HOST PORT" of the running sandbox's SendGrid SMTP relay (its port is the kernel's choice unless
# SANDBOX_SMTP_PORT names one), or nothing when it runs without one.
smtp_address() {
    "$PYTHON" -c 'import json, sys, urllib.request
smtp = json.load(urllib.request.urlopen(sys.argv[1] + "/_sandbox/health", timeout=5)).get("smtp")
print(*((smtp["host"], smtp["port"]) if smtp else ()))' "$URL"
}

write_env() {
    local ca="" smtp_host="" smtp_port=""
    if [[ -f "$STATE/tls/ca.crt" ]]; then
        ca="$STATE/tls/ca.crt"
    fi
    read -r smtp_host smtp_port <<<"$(smtp_address)" || true
    if [[ -n "$smtp_port" ]]; then
        log "SendGrid SMTP relay at $smtp_host:$smtp_port (STARTTLS with $ca)"
    else
        log "WARNING: the sandbox runs no SMTP relay (see $LOGFILE)"
    fi
    local apps_tls=""
    if [[ -f "$STATE/apps-tls-address" ]]; then
        apps_tls="$(cat "$STATE/apps-tls-address")"
    fi
    cat >"$STATE/env" <<ENV
# Written by scripts/sandbox-up.sh; load with: . .sandbox/env
export LAUNCHKIT_SANDBOX_URL=$URL
export RENDER_API_URL=$URL/render/v1
export RENDER_API_KEY=${SANDBOX_RENDER_API_KEY:-rnd_sandbox_render_key}
export UPSTASH_API_URL=$URL/upstash/v2
export UPSTASH_EMAIL=${SANDBOX_UPSTASH_EMAIL:-sandbox@launchkit.test}
export UPSTASH_API_KEY=${SANDBOX_UPSTASH_API_KEY:-upstash_sandbox_api_key}
export SENDGRID_API_URL=$URL/sendgrid/v3
export SENDGRID_API_KEY=${SANDBOX_SENDGRID_API_KEY:-SG.sandbox_admin_key}
export SENDGRID_SMTP_HOST=$smtp_host
export SENDGRID_SMTP_PORT=$smtp_port
export SENTRY_API_URL=$URL/sentry/api/0
export SENTRY_AUTH_TOKEN=${SANDBOX_SENTRY_AUTH_TOKEN:-sntrys_sandbox_token}
export SENTRY_ORG=launchkit-sandbox
export FLY_API_URL=$URL/fly/v1
export FLY_API_TOKEN=${SANDBOX_FLY_API_TOKEN:-fm2_sandbox_fly_token}
export FLY_ORG=${SANDBOX_FLY_ORG:-launchkit-sandbox}
export LAUNCHKIT_SANDBOX_CA=$ca
export LAUNCHKIT_SANDBOX_APPS_TLS=$apps_tls
export SANDBOX_PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/postgres}
export SANDBOX_PG_POOLER_URL=$POOLER_URL
export SANDBOX_PG_POOLER_STATS_URL=$POOLER_STATS_URL
export SANDBOX_PROMETHEUS_URL=$PROM_URL
export GRAFANA_URL=$URL/grafana
export GRAFANA_TOKEN=${SANDBOX_GRAFANA_TOKEN:-glsa_sandbox_grafana_token}
ENV
    log "wrote $STATE/env"
}

main() {
    mkdir -p "$STATE"
    chmod 755 "$STATE"  # PostgreSQL runs as another user and must traverse it
    start_postgres  # first: the sandbox server gets its admin URL
    start_pooler
    if [[ -z "$(prometheus_bin)" ]]; then
        PROM_URL=""  # the server's data source then names no Prometheus
    fi
    start_server
    start_prometheus
    report_validation
    write_env
}

main "$@"
