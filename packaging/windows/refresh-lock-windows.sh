#!/usr/bin/env bash
# packaging/windows/requirements-windows.lock: the same pins as requirements.lock (run
# tools/refresh-lock.sh first), resolved for CPython 3.11 on Windows x64 with hashes of the Windows
# wheels (PySide6, psycopg-binary, reportlab … are platform wheels; Windows adds pefile,
# pywin32-ctypes, colorama). Runs on Linux, like tools/refresh-lock.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build
pins=build/requirements-pins.txt  # name==version of every pin of requirements.lock
grep -E '^[A-Za-z0-9_.-]+==' requirements.lock | sed 's/ .*//' > "$pins"
python3 -m pip install -q --user "uv>=0.5"
python3 -m uv pip compile pyproject.toml --all-extras --constraint "$pins" \
  --python-version 3.11 --python-platform x86_64-pc-windows-msvc --generate-hashes \
  --custom-compile-command "bash packaging/windows/refresh-lock-windows.sh" \
  -o packaging/windows/requirements-windows.lock
