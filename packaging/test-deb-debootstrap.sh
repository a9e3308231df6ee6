#!/usr/bin/env bash
# The .deb on a clean system: build it (packaging/build-deb.sh), make a fresh minimal Debian 12 root
# with debootstrap (no Python in it), install the package there with apt, and use it as a counter
# PC would, as an ordinary user: --version, db upgrade, demo data, print all documents of one
# application, an Excel export, the window under Xvfb up to the main window (sign-in typed with
# xdotool); then upgrade to a newer package and reinstall keeping the data and config.toml, remove,
# purge. Outputs are checked on this machine (PDF fonts, xlsx contents, window picture).
#
#   bash packaging/test-deb-debootstrap.sh            # build, then test
#   bash packaging/test-deb-debootstrap.sh --no-build # test dist/counter-app_<version>_amd64.deb as is
#
# Needs root (chroot, mounts), debootstrap, a Debian mirror (COUNTER_APP_DEBIAN_MIRROR) and the
# checkout's .venv for the checks (openpyxl, pdfplumber). The fresh root is cached as a tarball
# (COUNTER_APP_DEBOOTSTRAP_CACHE, default build/debootstrap): made by debootstrap only, never
# changed by a test (each run unpacks a new copy), renewed after 7 days.
set -euo pipefail
{  # (closed at the end) bash reads the whole block first: editing this file cannot disturb a run
cd "$(dirname "$0")/.."
ROOT="$PWD"
MIRROR="${COUNTER_APP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
CACHE_DIR="${COUNTER_APP_DEBOOTSTRAP_CACHE:-$ROOT/build/debootstrap}"
CACHE="$CACHE_DIR/$SUITE-minbase-amd64.tar.gz"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' counter_app/__init__.py)"
DEB="$ROOT/dist/counter-app_${VERSION}_amd64.deb"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/build/deb-test"  # outputs copied out of the root, for a look afterwards
HEAD="$("$PY" -c 'from counter_app.infra.schema_upgrade import head_revision; print(head_revision())')"
START=$SECONDS
log() { printf '== %s (%ss)\n' "$*" "$((SECONDS - START))"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (debootstrap, chroot, mounts)"
if [ "${1:-}" != "--no-build" ]; then
  log "build the package"
  bash packaging/build-deb.sh
fi
[ -f "$DEB" ] || fail "no package $DEB"

# --- a fresh minimal Debian root -------------------------------------------------------------------
if [ ! -f "$CACHE" ] || [ -n "$(find "$CACHE" -mtime +7)" ]; then
  log "debootstrap --variant=minbase $SUITE (cached as $CACHE)"
  mkdir -p "$CACHE_DIR"
  fresh="$(mktemp -d /tmp/counter-debootstrap.XXXXXX)"
  chmod 755 "$fresh"
  debootstrap --variant=minbase --arch=amd64 "$SUITE" "$fresh" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE_DIR/debootstrap.log"; fail "debootstrap"; }
  tar -C "$fresh" -czf "$CACHE.tmp" . && mv "$CACHE.tmp" "$CACHE"
  rm -rf "$fresh"
fi
R="$(mktemp -d /tmp/counter-deb-root.XXXXXX)"
cleanup() {
  for m in "$R/dev/pts" "$R/dev" "$R/proc"; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf --one-file-system "$R"
}
trap cleanup EXIT
log "unpack the fresh root into $R"
tar -C "$R" -xzf "$CACHE"
chmod 755 "$R"  # it is "/" in there: the clerk and apt's _apt user must be able to enter it
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
cp /etc/resolv.conf "$R/etc/resolv.conf"
echo "deb $MIRROR $SUITE main" > "$R/etc/apt/sources.list"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# the counter user: data and config.toml in the home folder, as on a real PC
as_clerk() { chroot --userspec=clerk:clerk "$R" env -i PATH=/usr/bin:/bin HOME=/home/clerk LANG=C.UTF-8 "$@"; }
no_python() {
  if in_root sh -c 'ls /usr/bin/python* /usr/lib/python3* 2>/dev/null | grep -q .'; then
    fail "Python found in the root ($1)"
  fi
}
no_python "fresh root"
echo "fresh root: no Python"

# --- install with apt, as an IT person would ------------------------------------------------------
log "apt-get install ./$(basename "$DEB")"
cp "$DEB" "$R/tmp/"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" >/dev/null
no_python "after installing counter-app"
echo "installed without Python: $(in_root dpkg-query -W -f='${Package} ${Version}, ${Installed-Size} KB' counter-app)"
[ -L "$R/usr/bin/counter-app" ] || [ -x "$R/usr/bin/counter-app" ] || fail "no /usr/bin/counter-app"
grep -q '^Name\[zh_CN\]=营业厅业扩报装受理$' "$R/usr/share/applications/counter-app.desktop" || fail "desktop entry"
[ -f "$R/usr/share/icons/hicolor/256x256/apps/counter-app.png" ] || fail "icon"
in_root useradd -m -s /bin/sh clerk

log "counter-app --version"
as_clerk counter-app --version | tee "$R/tmp/version.txt"
grep -qx "counter-app $VERSION" "$R/tmp/version.txt" || fail "--version: program version"
grep -q "^数据库结构版本 $HEAD" "$R/tmp/version.txt" || fail "--version: schema version $HEAD"
grep -q "运行方式：安装包" "$R/tmp/version.txt" || fail "--version: not the frozen program"

log "db upgrade, demo --applications 50"
as_clerk counter-app db upgrade | tee "$R/tmp/upgrade.txt"
grep -q "$HEAD" "$R/tmp/upgrade.txt" || fail "db upgrade did not reach $HEAD"
as_clerk counter-app demo --applications 50 --seed 7 --today 2026-11-20 --quiet | tail -3
DATA=/home/clerk/.local/share/counter-app
[ -f "$R$DATA/counter_app.sqlite3" ] || fail "database not in the user's data folder"
[ "$(stat -c %a "$R$DATA/counter_app.sqlite3")" = 600 ] || fail "database file not owner-only"

log "export register (xlsx)"
as_clerk mkdir -p /home/clerk/out
as_clerk counter-app export register --from 2026-01-01 --to 2026-11-20 -o /home/clerk/out/register.xlsx
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$R/home/clerk/out/register.xlsx" "$OUT/"
NUMBER="$("$PY" - "$OUT/register.xlsx" <<'EOF'
import re, sys
from openpyxl import load_workbook
ws = load_workbook(sys.argv[1], read_only=True).worksheets[0]
rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
numbers = [v for r in rows for v in r if isinstance(v, str) and re.fullmatch(r"[A-Z0-9]+-\d{8}-\d{4}", v)]
assert len(numbers) >= 30, f"expected the demo's applications in the register, found {len(numbers)}"
assert any(isinstance(v, str) and "申请编号" in v for r in rows[:6] for v in r), "Chinese headers missing"
print(numbers[0])
EOF
)" || fail "register.xlsx"
echo "register.xlsx: ok, first application $NUMBER"

log "print all $NUMBER"
as_clerk counter-app print all "$NUMBER" -o /home/clerk/out/docs
cp -r "$R/home/clerk/out/docs" "$OUT/"
"$PY" - "$OUT/docs" <<'EOF' || fail "printed documents"
import sys
from pathlib import Path
import pdfplumber
pdfs = sorted(Path(sys.argv[1]).rglob("*.pdf"))
assert pdfs, "no PDF written"
for pdf in pdfs:
    with pdfplumber.open(pdf) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
        fonts = {c["fontname"] for page in doc.pages for c in page.chars}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{pdf.name}: no Chinese text"
    # the root has no fonts of its own: Chinese can only come from the package's bundled font
    assert any("wenquanyimicrohei" in f.lower() for f in fonts), f"{pdf.name}: fonts {fonts}"
print(f"{len(pdfs)} PDFs, Chinese text in the bundled WenQuanYi Micro Hei")
EOF

# --- the window, under Xvfb (xvfb, xauth, xdotool for this test only, not package dependencies) --
log "window under Xvfb"
in_root apt-get install -y -qq --no-install-recommends xvfb xauth xdotool >/dev/null
no_python "after installing xvfb"
cat > "$R/tmp/window.sh" <<'EOF'
#!/bin/sh
# start the program, type the demo clerk's sign-in, wait for the main window (the probe quits then)
export COUNTER_APP_STARTUP_PROBE=/home/clerk/out/probe.jsonl
rm -f "$COUNTER_APP_STARTUP_PROBE" "$COUNTER_APP_STARTUP_PROBE.png"
counter-app 2>/home/clerk/out/window.err &
app=$!
win=$(timeout 60 xdotool search --sync --onlyvisible --name "登录" | head -1) || { kill $app; exit 3; }
sleep 1
xdotool windowfocus --sync "$win"
xdotool type --delay 30 clerk1
xdotool key Tab
xdotool type --delay 30 Demo1234
xdotool key Return
i=0
while kill -0 $app 2>/dev/null && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
kill -0 $app 2>/dev/null && { kill $app; exit 4; }
wait $app
EOF
chmod 755 "$R/tmp/window.sh"
as_clerk xvfb-run -a -s "-screen 0 1366x768x24" /tmp/window.sh || { cat "$R/home/clerk/out/window.err"; fail "window"; }
cp "$R/home/clerk/out/probe.jsonl" "$R/home/clerk/out/probe.jsonl.png" "$OUT/"
"$PY" - "$OUT/probe.jsonl" <<'EOF' || fail "main window not shown"
import json, sys
steps = {s["step"]: s["t"] for s in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
assert {"signin_shown", "signin_done", "main_shown"} <= steps.keys(), steps
from PySide6.QtGui import QImage
image = QImage(sys.argv[1] + ".png")
assert image.width() >= 800 and image.height() >= 500, image.size()
print(f"main window shown under Xvfb ({image.width()}×{image.height()}, picture {sys.argv[1]}.png)")
EOF

# --- upgrade and reinstall keep the user's data and config; removal leaves it alone ----------------
log "upgrade to a newer package, reinstall"
as_clerk sh -c 'mkdir -p ~/.config/counter-app && printf "# kept across upgrades\n" > ~/.config/counter-app/config.toml'
SUM_BEFORE="$(sha256sum "$R$DATA/counter_app.sqlite3" | cut -d' ' -f1)"
NEWER="$VERSION+upgradetest"
work="$(mktemp -d /tmp/counter-deb-upgrade.XXXXXX)"
dpkg-deb -R "$DEB" "$work/pkg"
sed -i "s/^Version: .*/Version: $NEWER/" "$work/pkg/DEBIAN/control"
touch "$work/pkg/opt/counter-app/UPGRADED"
dpkg-deb --root-owner-group -Zgzip -z1 -b "$work/pkg" "$R/tmp/counter-app_newer.deb" >/dev/null
rm -rf "$work"
in_root apt-get install -y -qq --no-install-recommends /tmp/counter-app_newer.deb >/dev/null
[ "$(in_root dpkg-query -W -f='${Version}' counter-app)" = "$NEWER" ] || fail "upgrade"
[ -f "$R/opt/counter-app/UPGRADED" ] || fail "upgrade did not replace the program"
in_root apt-get install -y -qq --reinstall --allow-downgrades "/tmp/$(basename "$DEB")" >/dev/null
[ ! -e "$R/opt/counter-app/UPGRADED" ] || fail "downgrade left a file of the newer package"
[ "$(sha256sum "$R$DATA/counter_app.sqlite3" | cut -d' ' -f1)" = "$SUM_BEFORE" ] || fail "data changed by upgrade"
grep -q "kept across upgrades" "$R/home/clerk/.config/counter-app/config.toml" || fail "config.toml lost"
as_clerk counter-app export register --from 2026-01-01 --to 2026-11-20 -o /home/clerk/out/again.xlsx
echo "data and config.toml kept; the reinstalled program reads the same database"

log "remove; install again and purge"
in_root dpkg -r counter-app >/dev/null
[ ! -e "$R/opt/counter-app" ] && [ ! -e "$R/usr/bin/counter-app" ] || fail "files left after dpkg -r"
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" >/dev/null
as_clerk counter-app --version >/dev/null
in_root dpkg --purge counter-app >/dev/null
in_root dpkg-query -W -f='${Status}' counter-app 2>/dev/null | grep -q " installed$" && fail "package still installed after purge"
left="$(in_root find / -xdev -path /proc -prune -o -path /home -prune -o -name '*counter-app*' -print | grep -v '^/tmp/' || true)"
[ -z "$left" ] || fail "left after purge: $left"
[ -f "$R$DATA/counter_app.sqlite3" ] || fail "purge must not touch the user's data"
echo "removed and purged cleanly; the user's data stays in /home/clerk"
log "all checks passed"
exit 0
}
