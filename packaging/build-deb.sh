#!/usr/bin/env bash
# Build the counter-app .deb for x86-64 from a clean checkout, in one step:
#   bash packaging/build-deb.sh            -> dist/counter-app_<version>_amd64.deb
# 1. a build virtualenv from requirements.lock (exact versions + hashes; reused while the lock is
#    unchanged) with this checkout installed into it as a wheel would be;
# 2. PyInstaller (packaging/counter-app.spec): Python, Qt, libraries, resources, migrations, fonts;
# 3. the package tree: /opt/counter-app, /usr/bin/counter-app, desktop entry and icons, docs;
# 4. Depends worked out from the bundle's ELF files: every shared library they need that the bundle
#    does not bring, mapped to the Debian package that holds it here (dpkg -S), libc6 at the newest
#    GLIBC symbol version they use.
# Needs (Debian): python3-venv, binutils (objdump), dpkg-dev, fonts-wqy-microhei, fonts-hanazono, and
# the libraries of .ci/apt-packages.txt (the build checks that each one the bundle needs is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUILD="$ROOT/build/package"
VENV="$ROOT/build/venv"
NAME=counter-app
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' counter_app/__init__.py)"
DEB_VERSION="${COUNTER_APP_DEB_VERSION:-$VERSION}"
ARCH=amd64
DEB="$ROOT/dist/${NAME}_${DEB_VERSION}_${ARCH}.deb"
log() { printf '== %s (%ss)\n' "$*" "$SECONDS"; }

[ "$(uname -m)" = x86_64 ] || { echo "builds the x86-64 package only (this is $(uname -m))" >&2; exit 1; }

# --- 1. build environment from the lock file -------------------------------------------------------
LOCK_SUM="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.lock-sha256" 2>/dev/null)" != "$LOCK_SUM" ]; then
  log "build virtualenv from requirements.lock"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q -r requirements.lock
  echo "$LOCK_SUM" > "$VENV/.lock-sha256"
fi
log "install this checkout into the build virtualenv"
# a real (not editable) install: resources/ becomes the package counter_app._resources, as in a wheel
rm -rf "$ROOT/build/lib" "$ROOT"/*.egg-info
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall "$ROOT"
rm -rf "$ROOT/build/lib" "$ROOT/build/bdist."*

# --- 2. PyInstaller ---------------------------------------------------------------------------------
log "PyInstaller"
rm -rf "$BUILD"
mkdir -p "$BUILD"
# run from outside the checkout so the analysis imports the installed package, not ./counter_app
(cd "$BUILD" && "$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
   --distpath "$BUILD/dist" --workpath "$BUILD/work" "$ROOT/packaging/counter-app.spec")
BUNDLE="$BUILD/dist/$NAME"
log "bundle: $(du -sh "$BUNDLE" | cut -f1)"
# the bundle must run on its own before it is packaged
QT_QPA_PLATFORM=offscreen "$BUNDLE/$NAME" --version

# --- 3. package tree -------------------------------------------------------------------------------
log "package tree"
TREE="$BUILD/deb"
mkdir -p "$TREE/DEBIAN" "$TREE/opt" "$TREE/usr/bin" "$TREE/usr/share/applications" \
  "$TREE/usr/share/doc/$NAME" "$TREE/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$TREE/opt/$NAME"
install -m 0755 packaging/linux/counter-app.sh "$TREE/usr/bin/$NAME"
install -m 0644 packaging/linux/counter-app.desktop "$TREE/usr/share/applications/$NAME.desktop"
install -m 0644 resources/icons/counter-app.svg "$TREE/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
for size in 48 256; do
  mkdir -p "$TREE/usr/share/icons/hicolor/${size}x${size}/apps"
  install -m 0644 "resources/icons/counter-app-$size.png" "$TREE/usr/share/icons/hicolor/${size}x${size}/apps/$NAME.png"
done
install -m 0644 packaging/linux/copyright "$TREE/usr/share/doc/$NAME/copyright"
install -m 0644 packaging/FONTS.md "$TREE/usr/share/doc/$NAME/FONTS.md"
for f in "$BUNDLE"/_internal/fonts/*.copyright; do install -m 0644 "$f" "$TREE/usr/share/doc/$NAME/"; done
# files readable by every user, programs and libraries executable; nothing writable but by root
chmod -R u+rwX,go+rX,go-w "$TREE"

# --- 4. dependencies from the bundle's ELF files ---------------------------------------------------
log "dependencies"
DEPENDS="$(bash packaging/linux/elf-depends.sh "$TREE/opt/$NAME")"
echo "Depends: $DEPENDS"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$TREE" | cut -f1)"
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@DEPENDS@/$DEPENDS/" \
    -e "s/@INSTALLED_KB@/$INSTALLED_KB/" packaging/linux/control.in > "$TREE/DEBIAN/control"

# --- 5. the .deb ------------------------------------------------------------------------------------
log "dpkg-deb"
mkdir -p "$ROOT/dist"
rm -f "$DEB"
# xz (the default, what every dpkg reads) keeps the file a hall's IT person copies around small;
# COUNTER_APP_DEB_COMPRESSION=gzip builds several times faster for trial runs
COMPRESSION="${COUNTER_APP_DEB_COMPRESSION:-xz}"
dpkg-deb --root-owner-group "-Z$COMPRESSION" --build "$TREE" "$DEB" >/dev/null
log "built $DEB ($(du -h "$DEB" | cut -f1), installed $((INSTALLED_KB / 1024)) MB)"
