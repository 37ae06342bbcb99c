#!/bin/bash
# Checks that docs/ADMIN.md quotes the server config the integration tests
# run with: every block between "ADMIN.md: NAME" and "end ADMIN.md" in
# tests/integration/servers/*.in must appear verbatim in the guide, with the guide's
# example values, both as the tests run it without privileges (lines marked
# @PRIV@ left out) and with them (the marks removed).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
guide=$top/docs/ADMIN.md
templates="$top/tests/integration/servers/prosody.cfg.lua.in $top/tests/integration/servers/ejabberd.yml.in"
doc=$(cat "$guide")
checked=0
failed=0

# The example values the guide uses in place of the harness's.
example() {
    sed -e 's|@COMPONENT_DOMAIN@|cards.example.org|g' \
        -e 's|@DOMAIN@|example.org|g' \
        -e 's|@SECRET@|change-me|g' \
        -e 's|@COMPONENT_PORT@|5347|g'
}

check_block() {
    local name=$1 text=$2 variant out
    for variant in plain privileged; do
        if [ "$variant" = plain ]; then
            out=$(printf '%s' "$text" | grep -v '@PRIV@' | example || true)
        else
            out=$(printf '%s' "$text" | sed -e 's/--@PRIV@//; s/#@PRIV@//' |
                example)
        fi
        if [ -z "$out" ]; then
            continue # a block only for privileges has no plain form
        fi
        if [[ $out =~ @[A-Z_]+@ ]]; then
            echo "admin_guide: block '$name' has a placeholder the guide" \
                "cannot show: ${BASH_REMATCH[0]}" >&2
            failed=$((failed + 1))
        elif [[ $doc != *"$out"* ]]; then
            echo "admin_guide: docs/ADMIN.md lacks the $variant form of" \
                "'$name':" >&2
            printf '%s\n' "$out" >&2
            failed=$((failed + 1))
        fi
    done
    checked=$((checked + 1))
}

open='^[[:space:]]*(--|#) ADMIN\.md: (.+)$'
close='^[[:space:]]*(--|#) end ADMIN\.md$'
for file in $templates; do
    name=
    text=
    while IFS= read -r line; do
        if [[ $line =~ $open ]]; then
            name=${BASH_REMATCH[2]}
            text=
        elif [[ $line =~ $close ]]; then
            [ -n "$name" ] || {
                echo "admin_guide: $file: 'end ADMIN.md' without a start" >&2
                exit 1
            }
            check_block "$name" "$text"
            name=
        elif [ -n "$name" ]; then
            text+="$line"$'\n'
        fi
    done <"$file"
    [ -z "$name" ] || {
        echo "admin_guide: $file: block '$name' is not closed" >&2
        exit 1
    }
done

[ "$checked" -gt 0 ] || {
    echo "admin_guide: no ADMIN.md blocks found in the templates" >&2
    exit 1
}
echo "admin_guide: $checked config blocks checked, $failed missing"
[ "$failed" -eq 0 ]
