#!/usr/bin/env bash
# Run `ansible-test sanity` for the launchkit.paas collection, offline (only PyPI reachable),
# then check that `ansible-galaxy collection build` produces a clean tarball.
#
# Usage: scripts/sanity.sh [--no-build-check] [extra ansible-test sanity args, e.g. --test pep8]
# Env:   PYTHON      interpreter with ansible-core installed (default: <repo>/.venv/bin/python)
#        SANITY_DIR  where the copy goes (default: <repo>/.build/sanity); two runs side by side need two
#
# What it does:
#   1. Puts an offline stand-in for pip's get-pip.py bootstrap where ansible-test looks for it
#      (~/.ansible/test/cache/get_pip_<pip version>.py), so the tests that build virtual
#      environments do not try to download it from ci-files.testing.ansible.com.
#   2. Copies the collection's files (tracked + untracked-but-not-ignored) fresh into
#      $SANITY_DIR/ansible_collections/launchkit/paas/ -- ansible-test refuses a symlink.
#      An empty `git init` there keeps ansible-test from using this repo's git (which ignores .build/).
#   3. Runs `ansible-test sanity --local --python 3.11` there; exits non-zero on any finding.
#   4. Builds the collection in a temp copy and checks the tarball holds no dev-only files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"
# ansible-test runs from the copy below: a relative interpreter path must be made absolute first
if [[ "${PYTHON}" == */* && -d "$(dirname "${PYTHON}")" ]]; then
    PYTHON="$(cd "$(dirname "${PYTHON}")" && pwd)/$(basename "${PYTHON}")"
fi
PYTHON_VERSION=3.11
BIN_DIR="$(dirname "${PYTHON}")"
ANSIBLE_TEST="${BIN_DIR}/ansible-test"
BUILD_ROOT="${SANITY_DIR:-${ROOT}/.build/sanity}"
COLLECTION_DIR="${BUILD_ROOT}/ansible_collections/launchkit/paas"

BUILD_CHECK=1
if [[ "${1:-}" == "--no-build-check" ]]; then
    BUILD_CHECK=0
    shift
fi

log() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x "${PYTHON}" ]] || die "no Python at ${PYTHON} (set PYTHON=...)"
[[ -x "${ANSIBLE_TEST}" ]] || die "ansible-test not found next to ${PYTHON}"
command -v git >/dev/null || die "git is needed to list the collection's files"

# Files of the collection: tracked plus untracked-but-not-ignored, minus local environments and
# playbooks/collections (the link that lets a checkout run its own playbooks; not shipped).
list_files() {
    git -C "${ROOT}" ls-files -co --exclude-standard -z \
        | grep -zv -E '^(\.venv|\.sandbox|\.build|\.ansible|tests/output|playbooks/collections)/' || true
}

# Copy the collection's files into a fresh directory ($1).
copy_tree() {
    local dest="$1"
    rm -rf "${dest}"
    mkdir -p "${dest}"
    # Only existing files (ls-files -c also lists tracked files deleted in the work tree).
    list_files | (cd "${ROOT}" && while IFS= read -r -d '' f; do
        if [[ -f "${f}" || -L "${f}" ]]; then printf '%s\0' "${f}"; fi
    done) | (cd "${ROOT}" && xargs -0 -r cp --parents -P -t "${dest}")
}

start=${SECONDS}

# --- 1. get-pip stand-in ----------------------------------------------------------------------
# The pip version ansible-test bootstraps its virtual environments with (24.2 for ansible-test
# 2.19), asked from ansible-test itself so an upgrade keeps working.
PIP_VERSION="$("${PYTHON}" - "${PYTHON_VERSION}" <<'EOF'
import sys
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))['pip'])
EOF
)" || die "could not ask ansible-test which pip version it bootstraps"
GET_PIP_CACHE="${HOME}/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"
mkdir -p "$(dirname "${GET_PIP_CACHE}")"
# Never overwrite a real get-pip.py someone downloaded; refresh our own stand-in.
if [[ ! -e "${GET_PIP_CACHE}" ]] || grep -q 'launchkit-paas-get-pip-standin' "${GET_PIP_CACHE}"; then
    cp "${ROOT}/tests/sanity/get_pip_standin.py" "${GET_PIP_CACHE}"
    log "get-pip stand-in for pip ${PIP_VERSION}: ${GET_PIP_CACHE}"
else
    log "using existing get-pip script: ${GET_PIP_CACHE}"
fi

# --- 2. copy the collection -------------------------------------------------------------------
log "copying the collection to ${COLLECTION_DIR}"
copy_tree "${COLLECTION_DIR}"
# ansible-test lists the files to test through git when it finds a .git directory in the
# collection root or above it. Above the copy sits this repository, where .build/ is ignored, so
# it would see no files at all ("All targets skipped"). A throwaway, empty repository in the copy
# stops the search there; ansible-test then takes all untracked, not ignored files (the copy's
# .gitignore applies, as in the real tree). No commit or git identity is needed.
git -C "${COLLECTION_DIR}" init -q

# --- 3. ansible-test sanity -------------------------------------------------------------------
SKIPS=()
skip() {  # skip <test> <reason>
    SKIPS+=(--skip-test "$1")
    log "skipping sanity test '$1': $2"
}
# pslint needs PowerShell (pwsh), which is not installable here; the collection has no .ps1/.psm1.
if ! command -v pwsh >/dev/null; then
    skip pslint "pwsh (PowerShell) is not available; the collection has no PowerShell files"
fi
# The shellcheck sanity test needs the shellcheck tool; install it when we can (root + apt), else skip with a note.
if ! command -v shellcheck >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        log "installing shellcheck from apt"
        if ! { apt-get install -y -qq shellcheck >/dev/null 2>&1 \
               || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; }; }; then
            log "apt-get install shellcheck failed"
        fi
    fi
    if ! command -v shellcheck >/dev/null; then
        skip shellcheck "shellcheck is not installed (and could not be installed: needs root + apt)"
    fi
fi

log "ansible-test sanity --local --python ${PYTHON_VERSION} ${SKIPS[*]} $*"
# ansible-test finds its own tools next to the interpreter; put the venv first on PATH.
rc=0
(cd "${COLLECTION_DIR}" && PATH="${BIN_DIR}:${PATH}" \
    "${ANSIBLE_TEST}" sanity --local --python "${PYTHON_VERSION}" --color no "${SKIPS[@]}" "$@") || rc=$?
log "ansible-test sanity finished with exit code ${rc} ($((SECONDS - start)) s)"
[[ ${rc} -eq 0 ]] || die "sanity failed"

# --- 4. collection build check ----------------------------------------------------------------
if [[ ${BUILD_CHECK} -eq 1 ]]; then
    "${ROOT}/scripts/check-build.sh"
fi

log "all sanity checks passed ($((SECONDS - start)) s)"
