#!/usr/bin/env bash
# Installs the Debian packages the sandbox and the tests need: redis-server, PostgreSQL, PgBouncer and
# Prometheus. `--disable-services` only stops the system services those packages start (for .ci/run,
# which installs them itself).
set -euo pipefail
packages=(redis-server postgresql pgbouncer prometheus shellcheck openssl)
sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
  sudo="sudo"
fi

# Debian starts a system redis-server on 6379, a PgBouncer on 6432, a Prometheus on 9090 and a node
# exporter on 9100; the sandbox runs its own servers and needs none of them.
disable_services() {
  local service
  for service in redis-server pgbouncer prometheus prometheus-node-exporter; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
      $sudo service "$service" stop >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$service" ]; then
      $sudo "/etc/init.d/$service" stop >/dev/null 2>&1 || true
    fi
  done
}

if [ "${1:-}" = "--disable-services" ]; then
  disable_services
  exit 0
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
  echo "Install as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
  || { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
disable_services
