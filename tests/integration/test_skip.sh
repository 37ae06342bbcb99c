#!/bin/sh
# A machine without the XMPP server skips the integration tests (exit 77,
# which automake counts as SKIP) so that distributions can run `make check`;
# with CARDX_REQUIRE_SERVERS=1, as scripts/test.sh sets, it is a failure.
# Runs test_link with PROSODY pointing nowhere, as if Prosody were missing.
set -u
prog=${CARDX_BUILDDIR:-.}/tests/integration/test_link
failed=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

PROSODY=/nonexistent/prosody CARDX_REQUIRE_SERVERS= "$prog" >"$out" 2>&1
rc=$?
if [ "$rc" -ne 77 ] || ! grep -q 'SKIP: Prosody is not installed' "$out"; then
    echo "test_skip: without Prosody: exit $rc, want 77 and a reason:" >&2
    cat "$out" >&2
    failed=1
fi

PROSODY=/nonexistent/prosody CARDX_REQUIRE_SERVERS=1 "$prog" >"$out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] ||
    ! grep -q 'CARDX_REQUIRE_SERVERS=1: failing' "$out"; then
    echo "test_skip: without Prosody, servers required: exit $rc, want a" \
        "failure:" >&2
    cat "$out" >&2
    failed=1
fi
[ "$failed" -eq 0 ] && echo "test_skip: skipped without Prosody, failed when required"
exit "$failed"
