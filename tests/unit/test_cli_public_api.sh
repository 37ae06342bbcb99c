#!/bin/sh
# The cardx program is libcardx's first user: its command files
# (client/cli_*.c, commands.c, main.c) include only the public header
# (through client/cli.h) and the program's own headers, never the
# library's internals. A file still on the internals would be listed in
# REMAINING below (none is now); the list may only shrink (a listed file
# that is clean fails too, so that it is taken off).
#
# Allowed project headers: lib/cardx.h, client/cli.h (cardx.h and the
# commands' shared helpers), client/commands.h, client/settings.h,
# client/cliparse.h, client/qrcard.h (the program's settings, word
# splitting and QR codes),
# common/util.h, common/i18n.h, common/phone.h, common/errors.h (utilities
# of the whole project, not libcardx's), buildconf.h; the allowed client/
# headers are held to the same rule. Anything else from the tree
# (client/cardstore*.h, client/session*.h, client/merge.h,
# client/commands_int.h, lib/lib_*.h, card/, xep/, sql/) and <strophe.h>
# or <sqlite3.h> are libcardx internals.
set -eu
srcdir=${CARDX_SRCDIR:-..}
REMAINING=""
ALLOWED='^(lib/cardx\.h|client/(cli|commands|settings|cliparse|qrcard)\.h|common/(util|i18n|phone|errors)\.h|buildconf\.h)$'
fail=0
checked=0

# The includes of $1 that are not allowed, on one line.
bad_includes() {
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(["<]\)\([^">]*\)[">].*/\1\2/p' "$1" |
        while read -r inc; do
            name=${inc#?}
            case $inc in
            \<strophe.h | \<sqlite3.h) echo "$name" ;;
            \<*) ;;
            *) echo "$name" | grep -Evq "$ALLOWED" && echo "$name" || true ;;
            esac
        done | tr '\n' ' '
}

for h in cli commands settings cliparse qrcard; do
    bad=$(bad_includes "$srcdir/client/$h.h")
    if [ -n "$bad" ]; then
        echo "FAIL: client/$h.h includes libcardx internals: $bad" >&2
        fail=1
    fi
done

for path in "$srcdir"/client/cli_*.c "$srcdir"/client/commands.c \
    "$srcdir"/client/main.c; do
    file=${path##*/}
    bad=$(bad_includes "$path")
    listed=0
    for r in $REMAINING; do
        [ "$r" = "$file" ] && listed=1
    done
    if [ "$listed" = 1 ] && [ -z "$bad" ]; then
        echo "FAIL: client/$file uses only the public API: take it off REMAINING" >&2
        fail=1
    elif [ "$listed" = 0 ] && [ -n "$bad" ]; then
        echo "FAIL: client/$file includes libcardx internals:" $bad >&2
        fail=1
    fi
    checked=$((checked + 1))
done
if [ "$checked" -lt 3 ]; then
    echo "FAIL: found only $checked command files under $srcdir/client" >&2
    fail=1
fi
[ "$fail" = 0 ] && echo "ok: $checked command files on the public header;" \
    "on internals still: ${REMAINING:-none}"
exit $fail
