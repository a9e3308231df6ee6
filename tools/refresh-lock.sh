#!/usr/bin/env bash
# Re-resolve requirements.lock from pyproject.toml (all extras) for the platform the counters run:
# CPython 3.11 on Linux x86-64 (glibc 2.36 = Debian 12), whatever machine runs this script.
# Keeps the current pins where they still fit (add a dependency); `--upgrade` takes the newest of
# everything. uv resolves for a named target platform and Python, which pip-tools cannot (it resolves for the
# interpreter it runs in); the output is a plain pip requirements file with hashes.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --user "uv>=0.5"
python3 -m uv pip compile pyproject.toml --all-extras "$@" \
  --python-version 3.11 --python-platform x86_64-manylinux_2_36 --generate-hashes \
  --custom-compile-command "bash tools/refresh-lock.sh" -o requirements.lock
