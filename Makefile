# The public contract of this repository:
#   make rehearse      the full rollout against the local sandbox, then a summary
#   make test          every test: unit, sandbox, sanity, lint, integration, system (phases, faults, leaks), molecule
#   make bench         deploy batching figures (not a test)
#   make bench-rollout the whole rollout: check, first and second run against the floor (not a test)
#   make bench-fly     the apply step on Fly.io: three Machines rolled one at a time (not a test)
#   make bench-scale   SCALE_STACKS (20) stacks in one run with forks against one stack alone (not a test)
#   make sandbox-up    start the sandbox API, PostgreSQL and Redis servers; writes .sandbox/env
#   make sandbox-down  stop them
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
VPY := $(CURDIR)/$(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/playbooks/collections
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
ENV := set -a; . .sandbox/env; set +a;
# Integration and system tests run on pytest-xdist workers, each with a sandbox of its own (API,
# PostgreSQL, Redis on free ports, state in .sandbox/workers/<suite>-<worker>: tests/worker_sandbox.py),
# so they need no `make sandbox-up`. TEST_WORKERS=0 runs them in one process against .sandbox/env.
TEST_WORKERS ?= 3
XDIST := -n $(TEST_WORKERS) --dist loadgroup
ENV_IF_UP := if [ -f .sandbox/env ]; then set -a; . .sandbox/env; set +a; fi;

.PHONY: deps sandbox-up sandbox-down rehearse test test-unit test-sandbox test-sanity test-sanity-pylint test-sanity-others test-lint test-integration \
        test-molecule test-system test-faults test-leaks bench bench-rollout bench-fly bench-scale build changelog clean

deps: $(VENV)/.installed
	@command -v redis-server >/dev/null || scripts/install-system-deps.sh
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || scripts/install-system-deps.sh
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || scripts/install-system-deps.sh
	@command -v prometheus >/dev/null || scripts/install-system-deps.sh

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

sandbox-up: deps
	PYTHON=$(VPY) scripts/sandbox-up.sh

sandbox-down:
	PYTHON=$(VPY) scripts/sandbox-down.sh

rehearse: deps
	@trap 'PYTHON=$(VPY) scripts/sandbox-down.sh >/dev/null' EXIT; \
	PYTHON=$(VPY) scripts/sandbox-up.sh; \
	$(ENV) \
	export LAUNCHKIT_STATE_DIR=$(CURDIR)/.sandbox/state; rm -rf "$$LAUNCHKIT_STATE_DIR"; \
	$(VPY) scripts/sandbox-seed.py sandbox/fixtures/rehearsal.json; \
	ansible-playbook -i inventories/sandbox playbooks/site.yml; \
	$(VPY) scripts/rehearsal-summary.py

# make test's plan (scripts/run-suites.py): stages one after the other; within a stage the lanes
# (`|`) run side by side, each lane's suites in order. Suites that share a sandbox never share a stage's
# lanes: test-sandbox uses the one `make sandbox-up` starts, the integration and system workers and the
# molecule lanes their own; unit, sanity and lint need none (each its own copy under .build/). Measured on
# 2 cores: sanity beside unit+sandbox saves 20-60 s; sanity in two halves side by side (pylint then lint
# in one lane, the other sanity tests in another) took the first stage from 200-207 s to 179 s. Molecule
# beside the xdist suites, which keep both cores busy already, is slower: with four system workers and
# molecule alongside, the system suite took 1204 s against 902 s alone with three, and a timing-sensitive
# test failed. Beside the first stage, one molecule lane made that stage 309 s, against 200 s and then
# 123 s for two molecule lanes on their own; two molecule lanes beside the integration suite took 321 s,
# against 198 s and then 129 s (and a timing-sensitive integration target failed).
TEST_PLAN ?= "test-unit test-sandbox | test-sanity-pylint test-lint | test-sanity-others" test-integration test-system test-molecule

test: deps
	@trap 'PYTHON=$(VPY) scripts/sandbox-down.sh >/dev/null' EXIT; \
	PYTHON=$(VPY) scripts/sandbox-up.sh; \
	MAKE="$(MAKE)" $(VPY) scripts/run-suites.py $(TEST_PLAN); \
	echo "make test: all suites passed"

test-unit: deps
	$(ENV_IF_UP) $(VPY) -m pytest -q -p no:cacheprovider tests/unit

test-sandbox: deps
	$(ENV) $(VPY) -m pytest -q -p no:cacheprovider tests/sandbox

test-sanity: deps
	PYTHON=$(VPY) scripts/sanity.sh

# make test's two halves of test-sanity, side by side (each in a copy of its own): pylint, which takes about
# half of it (81 s of CPU), and every other test with the build check.
test-sanity-pylint: deps
	SANITY_DIR=$(CURDIR)/.build/sanity-pylint PYTHON=$(VPY) scripts/sanity.sh --no-build-check --test pylint

test-sanity-others: deps
	SANITY_DIR=$(CURDIR)/.build/sanity-others PYTHON=$(VPY) scripts/sanity.sh --skip-test pylint

# ansible-lint (production profile, .ansible-lint), antsibull-docs lint-collection-docs, every
# module's docs in ansible-doc, the changelog fragments: scripts/lint.sh
test-lint: deps
	PYTHON=$(VPY) scripts/lint.sh

test-integration: deps
	$(ENV_IF_UP) $(VPY) -m pytest -q -p no:cacheprovider --durations=15 $(XDIST) tests/integration

test-system: deps
	$(ENV_IF_UP) $(VPY) -m pytest -q -p no:cacheprovider --durations=25 $(XDIST) tests/system

test-faults: deps
	$(ENV) $(VPY) -m pytest -q -p no:cacheprovider tests/system/test_faults.py

test-leaks: deps
	$(ENV) $(VPY) -m pytest -q -p no:cacheprovider tests/system/test_leaks.py

# The scenarios in MOLECULE_LANES lanes side by side (scripts/molecule-lanes.py): the first against the running
# sandbox, each other one against a private sandbox of its own. Each scenario's create resets and seeds its
# lane's sandbox; `molecule reset` first drops any state an interrupted run left (which would make molecule
# skip that create), so no scenario needs a destroy before it. One molecule run keeps one core busy (its
# playbooks run one after the other): measured on 2 cores, the eleven scenarios took 203 s in one lane.
MOLECULE_LANES ?= 2
test-molecule: deps
	$(ENV) $(VPY) scripts/molecule-lanes.py --lanes $(MOLECULE_LANES)

bench: deps
	@trap 'PYTHON=$(VPY) scripts/sandbox-down.sh >/dev/null' EXIT; \
	PYTHON=$(VPY) scripts/sandbox-up.sh >/dev/null; \
	$(ENV) $(VPY) benchmarks/deploy_batch.py

bench-rollout: deps
	$(VPY) benchmarks/rollout.py

bench-fly: deps
	$(VPY) benchmarks/fly_apply.py

bench-scale: deps
	SCALE_STACKS=$(or $(SCALE_STACKS),20) $(VPY) benchmarks/scale.py

build:
	ansible-galaxy collection build --force --output-path .build/dist

# Lint the changelog fragments (changelogs/fragments/*.yml). A release: antsibull-changelog release --version <v>
# (fragments are kept, changelogs/config.yaml: keep_fragments; changelog.yaml lists which release took each).
changelog: deps
	antsibull-changelog lint

clean:
	rm -rf .build tests/output
