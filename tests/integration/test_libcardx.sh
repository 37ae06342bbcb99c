#!/bin/sh
# Installs libcardx into a DESTDIR, builds examples/ against that install
# through pkg-config as an application would, then runs test_libcardx
# (the library's own tests and the examples against the test server).
set -eu
builddir=${CARDX_BUILDDIR:-.}
srcdir=${CARDX_SRCDIR:-..}
dest=$(mktemp -d "${TMPDIR:-/tmp}/cardx-destdir.XXXXXX")
trap 'rm -rf "$dest"' EXIT INT TERM

${CARDX_MAKE:-make} -s -C "$builddir" install-libLTLIBRARIES \
    install-includeHEADERS install-pkgconfigDATA DESTDIR="$dest" >/dev/null

pc=$(find "$dest" -name cardx.pc -print | head -n 1)
if [ -z "$pc" ]; then
    echo "test_libcardx: cardx.pc was not installed" >&2
    exit 1
fi
# --define-prefix: the .pc's prefix becomes where it really lies, inside
# DESTDIR, as for a relocated install.
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
cflags=$(pkg-config --define-prefix --cflags cardx)
libs=$(pkg-config --define-prefix --libs cardx)
libdir=$(pkg-config --define-prefix --variable=libdir cardx)
case $cflags in *"$dest"*) ;; *)
    echo "test_libcardx: pkg-config does not point into DESTDIR: $cflags" >&2
    exit 1 ;;
esac

exdir=$dest/examples
mkdir -p "$exdir"
# The installed library carries the build's sanitizers, if any.
build() {
    # shellcheck disable=SC2086
    ${CC:-cc} -Wall -Wextra -Werror ${CARDX_SAN_FLAGS:-} -o "$exdir/$1" \
        "$srcdir/examples/$1.c" $cflags $2 $libs
}
build send_card ""
build recv_poll ""
CARDX_EXAMPLES_GLIB=no
if pkg-config --exists glib-2.0; then
    build recv_glib "$(pkg-config --cflags --libs glib-2.0)"
    CARDX_EXAMPLES_GLIB=yes
else
    echo "test_libcardx: GLib not found, the GLib example is not built" >&2
fi

LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
CARDX_EXAMPLES_DIR=$exdir
export LD_LIBRARY_PATH CARDX_EXAMPLES_DIR CARDX_EXAMPLES_GLIB
"$builddir/tests/integration/test_libcardx" "$@"
