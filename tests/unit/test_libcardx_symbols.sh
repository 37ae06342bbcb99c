#!/bin/sh
# libcardx as installed: a versioned shared library that exports only
# cardx_* and never calls what changes process-wide state (signal
# dispositions, the environment, the terminal), in its symbols and in the
# sources it is built from.
set -eu
builddir=${CARDX_BUILDDIR:-.}
srcdir=${CARDX_SRCDIR:-..}
so=$builddir/lib/.libs/libcardx.so
fail=0

if [ ! -e "$so" ]; then
    echo "FAIL: $so not built" >&2
    exit 1
fi
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
case $soname in
libcardx.so.[0-9]*) ;;
*) echo "FAIL: SONAME is '$soname', not libcardx.so.N" >&2; fail=1 ;;
esac

leaked=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDBRVW]/ {print $3}' |
    grep -v '^cardx_' || true)
if [ -n "$leaked" ]; then
    echo "FAIL: symbols exported besides cardx_*:" >&2
    echo "$leaked" | head -20 >&2
    fail=1
fi
exported=$(nm -D --defined-only "$so" | grep -c ' T cardx_' || true)
if [ "$exported" -lt 1 ]; then
    echo "FAIL: no cardx_ function exported" >&2
    fail=1
fi

forbidden='signal|sigaction|sigset|bsd_signal|sysv_signal|setenv|putenv|unsetenv|clearenv|getenv|secure_getenv|isatty|ttyname|tcgetattr|tcsetattr|getpass|system|popen'
called=$(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' |
    grep -Ex "$forbidden" || true)
if [ -n "$called" ]; then
    echo "FAIL: libcardx calls what changes or reads process state:" >&2
    echo "$called" >&2
    fail=1
fi

# The sources linked into it say the same (a call in a comment would not
# count, so the pattern wants a call: name followed by "(").
sources="$srcdir/lib/*.c $srcdir/client/cardstore*.c $srcdir/client/session*.c"
# shellcheck disable=SC2086
hits=$(grep -nE "(^|[^_a-z])($forbidden) *\(" $sources | grep -v '^\s*/\?\*' || true)
if [ -n "$hits" ]; then
    echo "FAIL: calls in libcardx's sources:" >&2
    echo "$hits" >&2
    fail=1
fi
[ "$fail" -eq 0 ] && echo "libcardx: $soname, $exported functions, only cardx_ exported, no process-state calls"
exit "$fail"
