#!/bin/sh
# Installs what is needed and runs the whole cardx test suite: unit and
# integration tests under ASan/UBSan (on SQLite, and the ejabberd ones
# again with cardxd on a throwaway PostgreSQL: *_ejabberd_pg.sh), unit
# tests under valgrind, distcheck, the Debian packages
# (CARDX_SKIP_PACKAGE=1 skips them) and make fuzz-smoke (libFuzzer
# targets, a clang build).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"
[ -x "$top/configure" ] || "$top/autogen.sh"

build=${BUILD_DIR:-$top/build/test}
BUILD_DIR=$build "$top/scripts/build.sh" --enable-werror --enable-sanitizers

status=0
cd "$build"
# ASan's leak checker needs ptrace-free exits; UBSan must abort on errors.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# Here the servers were just installed: a missing one fails the integration
# tests instead of skipping them as a plain `make check` does.
CARDX_REQUIRE_SERVERS=1
export CARDX_REQUIRE_SERVERS
make -j"$(nproc)" check || status=1

# Each Check binary's own summary line, then one total for the whole run.
for log in $(find tests -name '*.log' | sort); do
    case "$log" in */test-suite.log) continue ;; esac
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1 || true)
    [ -n "$line" ] && echo "$(basename "$log" .log): $line"
done
[ "$status" -eq 0 ] || cat test-suite.log 2>/dev/null || true

if [ "$status" -eq 0 ] && [ "${CARDX_SKIP_VALGRIND:-0}" != 1 ]; then
    # Valgrind wants a build without ASan: a second, plain build.
    vbuild=$top/build/valgrind
    BUILD_DIR=$vbuild "$top/scripts/build.sh" --enable-werror
    (cd "$vbuild" && make -j"$(nproc)" check-valgrind) || status=1
fi

if [ "$status" -eq 0 ] && [ "${CARDX_SKIP_DISTCHECK:-0}" != 1 ]; then
    # The tarball builds and its unit tests pass; the integration tests
    # already ran above on the same sources, against the same servers.
    (cd "$build" && make -j"$(nproc)" distcheck TESTS='$(UNIT_TESTS)' \
        >distcheck.out 2>&1) ||
        { tail -n 60 "$build/distcheck.out"; status=1; }
    [ "$status" -eq 0 ] && echo "distcheck: passed"
fi

# The Debian packages: built from a clean copy, lintian, installed, cardxd
# run as the packaged user against a throwaway Prosody, purged
# (tests/package/test_package.sh; a few minutes).
if [ "$status" -eq 0 ] && [ "${CARDX_SKIP_PACKAGE:-0}" != 1 ]; then
    if "$top/tests/package/test_package.sh"; then
        echo "package: passed"
    else
        echo "package: FAILED (tests/package/test_package.sh)"
        status=1
    fi
fi

# libFuzzer targets (fuzz/): a clang build of their own, each target's
# regression inputs replayed, then a few seconds of fuzzing per target.
if [ "$status" -eq 0 ] && [ "${CARDX_SKIP_FUZZ:-0}" != 1 ]; then
    fbuild=$top/build/fuzz
    BUILD_DIR=$fbuild "$top/scripts/build.sh" --enable-werror \
        --enable-fuzzing CC=clang CXX=clang++
    (cd "$fbuild" && make fuzz-smoke) || status=1
fi

passed=0
failed=0
for trs in $(find "$build" "$top/build/valgrind" -name '*.trs' 2>/dev/null); do
    case $(sed -n 's/^:test-result: //p' "$trs") in
    PASS) passed=$((passed + 1)) ;;
    SKIP) ;;
    *) failed=$((failed + 1)) ;;
    esac
done
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
exit "$status"
