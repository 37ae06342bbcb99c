#!/bin/sh
# Configures and builds cardx out of tree in BUILD_DIR (default ./build).
# Extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
[ -x "$top/configure" ] || "$top/autogen.sh"
mkdir -p "$build"
cd "$build"
# Reconfigure when the flags change, so a second run with others works.
want="$*"
if [ ! -f Makefile ] || [ "$(cat .cardx-configure-args 2>/dev/null)" != "$want" ]; then
    "$top/configure" -q "$@"
    printf '%s' "$want" > .cardx-configure-args
fi
make -j"$(nproc)" >/dev/null
echo "build: built in $build"
