#!/usr/bin/env bash
# Installs the Debian packages the sandbox and the tests need: redis-server, PostgreSQL, PgBouncer and
# prometheus (for promtool).
set -euo pipefail
packages=(redis-server postgresql pgbouncer shellcheck openssl prometheus)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Install as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "Installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
  || { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
# Debian starts a system redis-server on 6379, a PgBouncer on 6432 and a Prometheus on 9090; the sandbox
# runs its own servers and the tests need only promtool.
if command -v systemctl >/dev/null 2>&1; then
  $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
  $sudo systemctl disable --now pgbouncer >/dev/null 2>&1 || true
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  $sudo systemctl disable --now prometheus-node-exporter >/dev/null 2>&1 || true
fi
