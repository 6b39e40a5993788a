#!/usr/bin/env bash
# Puts the awx.awx collection (what playbooks/awx_configure.yml uses) under .build/awx/ansible_collections,
# for the tests: Galaxy is not needed, awx.awx ships inside the `ansible` package on PyPI, so the wheel is
# downloaded once (pip, no dependencies) and only ansible_collections/awx/awx is taken out of it.
# Prints the collections path. Nothing is done when it is there already.
#   scripts/awx-collection.sh            ANSIBLE_BUNDLE=ansible==12.3.0 by default
set -euo pipefail
cd "$(dirname "$0")/.."
target=$PWD/.build/awx
bundle=${ANSIBLE_BUNDLE:-ansible==12.3.0}
python=${PYTHON:-python3}
if [ ! -f "$target/ansible_collections/awx/awx/MANIFEST.json" ]; then
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --dest "$download" "$bundle" >&2
  rm -rf "$target.tmp" && mkdir -p "$target.tmp"
  "$python" - "$download"/ansible-*.whl "$target.tmp" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.startswith("ansible_collections/awx/awx/")]
    if not members:
        sys.exit(f"{wheel} holds no ansible_collections/awx/awx")
    archive.extractall(target, members=members)
PY
  rm -rf "$target" && mv "$target.tmp" "$target"
fi
echo "$target"
