#!/bin/sh
# Configures and builds cardx out of tree in BUILD_DIR (default ./build).
# Extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
[ -x "$top/configure" ] || "$top/autogen.sh"
mkdir -p "$build"
cd "$build"
# Reconfigure when the flags or configure itself change, so a second run
# with others works; a new configure may build objects differently (PIC
# for the shared library), so what the old one built is cleaned away.
want="$* $(cksum <"$top/configure")"
if [ ! -f Makefile ] || [ "$(cat .cardx-configure-args 2>/dev/null)" != "$want" ]; then
    [ ! -f Makefile ] || make clean >/dev/null 2>&1 || true
    "$top/configure" -q "$@"
    printf '%s' "$want" > .cardx-configure-args
fi
make -j"$(nproc)" >/dev/null
echo "build: built in $build"
