#!/usr/bin/env bash
# Print the Depends line of the package for a PyInstaller bundle DIR: the Debian packages holding
# every shared library that the bundle's ELF files need (objdump NEEDED) and that the bundle does
# not bring itself, plus the ones Qt opens at run time by name; libc6 at the newest GLIBC symbol
# version used. Looked up on this (the build) machine: a library not installed here is an error, so
# the package never silently misses a dependency.
set -euo pipefail
DIR="$1"
# opened with dlopen, so invisible to NEEDED: QtDBus (the desktop's accessibility, input methods)
DLOPENED=(libdbus-1.so.3)

mapfile -t elves < <(find "$DIR" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
  xargs -0 -r sh -c 'for f; do [ "$(head -c4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && echo "$f"; done' _)
bundled="$(find "$DIR" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u)"
needed="$(for f in "${elves[@]}"; do objdump -p "$f" | awk '$1 == "NEEDED" {print $2}'; done | sort -u)"
missing="$(comm -23 <(printf '%s\n' $needed "${DLOPENED[@]}" | sort -u) <(echo "$bundled"))"

LDCACHE="$(ldconfig -p)"
packages=()
unknown=()
for soname in $missing; do
  path="$(awk -v s="$soname" '$1 == s && /x86-64/ && !found {print $NF; found = 1}' <<<"$LDCACHE")"
  pkg=""
  if [ -n "$path" ]; then
    for candidate in "$path" "$(readlink -f "$path")" "/usr${path#/usr}" "${path#/usr}"; do
      pkg="$(dpkg -S "$candidate" 2>/dev/null | awk -F: 'NR == 1 {print $1}' || true)"
      [ -n "$pkg" ] && break
    done
  fi
  if [ -z "$pkg" ]; then unknown+=("$soname"); else packages+=("$pkg"); fi
done
if [ ${#unknown[@]} -gt 0 ]; then
  echo "no installed Debian package holds: ${unknown[*]} (install them, see .ci/apt-packages.txt)" >&2
  exit 1
fi
glibc="$(for f in "${elves[@]}"; do objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*'; done |
  sed 's/GLIBC_//' | sort -uV | tail -1)"
others="$(printf '%s\n' "${packages[@]}" | grep -vx libc6 | sort -u | paste -sd, | sed 's/,/, /g')"
echo "libc6 (>= ${glibc}), ${others}"
