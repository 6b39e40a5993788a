#!/usr/bin/env bash
# Check that `ansible-galaxy collection build` succeeds for launchkit.paas and that the tarball
# holds only what a released collection should (no sandbox/, tests/, .venv, scripts, caches...).
# Builds from a temp copy of the collection's files, so the work tree is never touched.
#
# Usage: scripts/check-build.sh     Env: PYTHON (default: <repo>/.venv/bin/python)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"
ANSIBLE_GALAXY="$(dirname "${PYTHON}")/ansible-galaxy"

log() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

[[ -x "${ANSIBLE_GALAXY}" ]] || die "ansible-galaxy not found next to ${PYTHON}"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/launchkit-paas-build.XXXXXX")"
trap 'rm -rf "${TMP}"' EXIT
SRC="${TMP}/src"
OUT="${TMP}/out"
mkdir -p "${SRC}" "${OUT}"

# Copy what git would (tracked + untracked-but-not-ignored), including a stray dev-only path or
# two, so build_ignore really gets exercised.
(cd "${ROOT}" && git ls-files -co --exclude-standard -z \
    | while IFS= read -r -d '' f; do if [[ -f "${f}" ]]; then printf '%s\0' "${f}"; fi; done \
    | xargs -0 -r cp --parents -P -t "${SRC}")
# Plant the local leftovers a work tree usually has (all git-ignored), as if someone built from
# their work tree: build_ignore must keep them out too.
for junk in .venv/pyvenv.cfg .sandbox/state.json .build/junk .ansible/junk .pytest_cache/junk \
            tests/output/junk reports/junk plugins/modules/__pycache__/x.cpython-311.pyc; do
    mkdir -p "$(dirname "${SRC}/${junk}")"
    touch "${SRC}/${junk}"
done

log "ansible-galaxy collection build (temp copy)"
"${ANSIBLE_GALAXY}" collection build "${SRC}" --output-path "${OUT}" >"${TMP}/build.log" 2>&1 \
    || { cat "${TMP}/build.log" >&2; die "ansible-galaxy collection build failed"; }

shopt -s nullglob
tarballs=("${OUT}"/launchkit-paas-*.tar.gz)
[[ ${#tarballs[@]} -eq 1 ]] || die "expected one launchkit-paas-*.tar.gz, got: ${tarballs[*]:-none}"
TARBALL="${tarballs[0]}"
tar -tzf "${TARBALL}" | sed 's#^\./##' | sort >"${TMP}/contents"

# Nothing dev-only may be in the tarball.
forbidden='^(sandbox|tests|\.venv|\.sandbox|\.build|\.ansible|\.ci|\.git|\.pytest_cache|molecule|extensions|scripts|reports)(/|$)'
forbidden+='|^(inventories/sandbox|playbooks/collections)(/|$)'
forbidden+='|(^|/)(__pycache__|\.pytest_cache)(/|$)|\.pyc$|\.tar\.gz$'
forbidden+='|^(Makefile|ansible\.cfg|\.ansible-lint|\.gitignore|requirements-dev\.txt|changelogs/\.plugin-cache\.yaml)$'
if grep -E "${forbidden}" "${TMP}/contents" >"${TMP}/bad"; then
    printf 'ERROR: the collection tarball contains dev-only files:\n' >&2
    sed 's/^/    /' "${TMP}/bad" >&2
    exit 1
fi

# And what a collection needs must be there.
for required in MANIFEST.json FILES.json meta/runtime.yml plugins/modules/ COPYING README.md requirements.txt; do
    grep -qx -- "${required}" "${TMP}/contents" || die "the collection tarball lacks ${required}"
done
grep -q '^plugins/modules/.*\.py$' "${TMP}/contents" || die "the collection tarball holds no modules"

log "build OK: $(basename "${TARBALL}"), $(wc -l <"${TMP}/contents") entries, no dev-only files"
