#!/usr/bin/env bash
# Install a system program the course needs when it is missing: `dot` (graphviz) or `chromium`.
# Uses apt-get when running as root on Debian/Ubuntu; otherwise says what to install.
set -euo pipefail
want=$1
case "$want" in
  dot) pkg=graphviz ;;
  chromium) pkg=chromium ;;
  *) echo "system.sh: unknown program $want" >&2; exit 2 ;;
esac
command -v "$want" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system: installing $pkg (for $want) with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
  command -v "$want" >/dev/null 2>&1 && exit 0
fi
echo "system: '$want' is missing. Install the '$pkg' package (see book/setup.md), then re-run." >&2
exit 1
