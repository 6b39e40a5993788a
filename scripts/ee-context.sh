#!/usr/bin/env bash
# Writes the build context of the execution environment (extensions/ee/execution-environment.yml):
# builds the collection tarball, puts it where the EE definition takes it from, and runs
# `ansible-builder create` (offline; building the image needs a container engine: docs/awx.md).
#   scripts/ee-context.sh [CONTEXT_DIR]      default .build/ee/context
set -euo pipefail
cd "$(dirname "$0")/.."
context=${1:-.build/ee/context}
bin=$(dirname "${PYTHON:-python3}")
builder=${ANSIBLE_BUILDER:-$bin/ansible-builder}
galaxy=${ANSIBLE_GALAXY:-$bin/ansible-galaxy}
command -v "$builder" >/dev/null || builder=ansible-builder
command -v "$galaxy" >/dev/null || galaxy=ansible-galaxy
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
"$galaxy" collection build --force --output-path "$dist" >/dev/null
mkdir -p extensions/ee/collections
cp "$dist"/launchkit-paas-*.tar.gz extensions/ee/collections/launchkit-paas.tar.gz
rm -rf "$context"
"$builder" create --file extensions/ee/execution-environment.yml --context "$context" --output-filename Containerfile
