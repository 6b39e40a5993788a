#!/usr/bin/env bash
# The collection's lint checks, each of which must stay clean:
#   1. ansible-lint, production profile, on the collection (.ansible-lint: roles, playbooks, meta,
#      inventories, docs, changelog fragments; not tests/, extensions/, sandbox/, scripts/, benchmarks/)
#   2. antsibull-docs lint-collection-docs --plugin-docs (role entry points, plugin docs and their markup)
#   3. ansible-doc --json of every module: its docs render, and no note is printed twice
#   4. antsibull-changelog lint (the changelog fragments)
#
# Usage: scripts/lint.sh     Env: PYTHON (default: <repo>/.venv/bin/python)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"
if [[ "${PYTHON}" == */* && -d "$(dirname "${PYTHON}")" ]]; then
    PYTHON="$(cd "$(dirname "${PYTHON}")" && pwd)/$(basename "${PYTHON}")"
fi
BIN_DIR="$(dirname "${PYTHON}")"
COPY_ROOT="${ROOT}/.build/lint"
COLLECTION_DIR="${COPY_ROOT}/ansible_collections/launchkit/paas"

log() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

for tool in ansible-lint antsibull-docs antsibull-changelog ansible-doc; do
    [[ -x "${BIN_DIR}/${tool}" ]] || die "${tool} not found next to ${PYTHON} (pip install -r requirements-dev.txt)"
done
export PATH="${BIN_DIR}:${PATH}"
export ANSIBLE_CONFIG="${ROOT}/ansible.cfg"
export ANSIBLE_NOCOLOR=1
start=${SECONDS}
failed=()

# antsibull-docs and ansible-doc need the collection under a path .../ansible_collections/launchkit/paas:
# a fresh copy of its files (tracked plus untracked-but-not-ignored, as scripts/sanity.sh copies them).
log "copying the collection to ${COLLECTION_DIR}"
rm -rf "${COPY_ROOT}"
mkdir -p "${COLLECTION_DIR}"
git -C "${ROOT}" ls-files -co --exclude-standard -z \
    | grep -zv -E '^(\.venv|\.sandbox|\.build|\.ansible|tests/output|playbooks/collections)/' \
    | (cd "${ROOT}" && while IFS= read -r -d '' f; do
          if [[ -f "${f}" || -L "${f}" ]]; then printf '%s\0' "${f}"; fi
      done) \
    | (cd "${ROOT}" && xargs -0 -r cp --parents -P -t "${COLLECTION_DIR}")

# Run one check: its output filtered of Python warnings that say nothing about the collection.
run_check() {  # run_check <name> <command...>
    local name="$1" out rc=0
    shift
    out="$(mktemp)"
    log "${name}"
    "$@" >"${out}" 2>&1 || rc=$?
    grep -v -E 'duplicate mapping key|display\.warning\(|tracemalloc|DSA is deprecated|cryptography\.hazmat' "${out}" || true
    rm -f "${out}"
    if [[ ${rc} -ne 0 ]]; then
        failed+=("${name}")
        log "${name}: FAILED (exit code ${rc})"
    fi
}

# 1. ansible-lint on the work tree itself (.ansible-lint: production profile, offline so that nothing is
#    installed), launchkit.paas resolved to the work tree through playbooks/collections.
#    Its "ERROR Failed to find {{ ... }} playbook" lines are about site.yml's import_playbook, chosen at
#    run time (plan, rollback, rotate): notes it cannot follow them, not findings (it exits 0).
#    playbooks/awx_configure.yml uses awx.awx, which scripts/awx-collection.sh takes out of the `ansible`
#    package on PyPI once (into .build/awx), as the AWX kit's tests do.
AWX_COLLECTIONS="$(PYTHON="${PYTHON}" "${ROOT}/scripts/awx-collection.sh")" || die "could not get the awx.awx collection"
run_check "ansible-lint (production profile) on the collection" \
    env -C "${ROOT}" ANSIBLE_COLLECTIONS_PATH="${ROOT}/playbooks/collections:${AWX_COLLECTIONS}" \
    ansible-lint --nocolor -f pep8

# 2. antsibull-docs on the copy.
run_check "antsibull-docs lint-collection-docs --plugin-docs" \
    env -C "${COLLECTION_DIR}" ANSIBLE_COLLECTIONS_PATH="${COPY_ROOT}" \
    antsibull-docs lint-collection-docs --plugin-docs .

# 3. Every module's docs, as ansible-doc renders them (it exits 0 on a module it cannot find, so each
#    one's doc is looked for), each note once.
check_module_docs() {
    local modules=()
    local f
    for f in "${COLLECTION_DIR}"/plugins/modules/*.py; do
        modules+=("launchkit.paas.$(basename "${f}" .py)")
    done
    ANSIBLE_COLLECTIONS_PATH="${COPY_ROOT}" ansible-doc --json "${modules[@]}" 2>/dev/null \
        | "${PYTHON}" -c '
import collections, json, sys
docs = json.load(sys.stdin)
bad = []
for name in sys.argv[1:]:
    doc = (docs.get(name) or {}).get("doc")
    if not doc:
        bad.append(f"{name}: ansible-doc returns no documentation")
        continue
    for note, count in collections.Counter(doc.get("notes") or []).items():
        if count > 1:
            bad.append(f"{name}: a note printed {count} times: {note[:80]}")
print("\n".join(bad) or f"{len(sys.argv) - 1} modules: docs render, each note once")
sys.exit(1 if bad else 0)
' "${modules[@]}"
}
run_check "ansible-doc --json of every module" check_module_docs

# 4. The changelog fragments.
run_check "antsibull-changelog lint" env -C "${ROOT}" antsibull-changelog lint

if [[ ${#failed[@]} -gt 0 ]]; then
    die "lint failed ($((SECONDS - start)) s): ${failed[*]}"
fi
log "all lint checks passed ($((SECONDS - start)) s)"
