# tests/: the flags every test shares and the shared test library; the
# tests themselves are in tests/unit/ (no network) and tests/integration/
# (a real Prosody or ejabberd with cardxd attached).
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"' -DBUILDDIR='"$(abs_top_builddir)"'
AM_TESTS_ENVIRONMENT = CK_DEFAULT_TIMEOUT=60; export CK_DEFAULT_TIMEOUT; \
	CARDX_SRCDIR='$(abs_top_srcdir)'; export CARDX_SRCDIR; \
	CARDX_BUILDDIR='$(abs_top_builddir)'; export CARDX_BUILDDIR;

# The suite runner every Check program's main() is, the stanza path matcher
# of the scenario tests, and the unit tests' fixtures (in-process service,
# temporary database). A static convenience library: a test links only the
# members it uses, so the fixtures' product libraries stay optional.
check_LTLIBRARIES = tests/lib/libtestlib.la
tests_lib_libtestlib_la_SOURCES = tests/lib/runner.h tests/lib/runner.c \
	tests/lib/stanza_match.h tests/lib/stanza_match.c \
	tests/lib/svcfix.h tests/lib/svcfix.c \
	tests/lib/tmpdb.h tests/lib/tmpdb.c
tests_lib_libtestlib_la_CPPFLAGS = $(TEST_CPPFLAGS)
TESTLIB_LIBS = tests/lib/libtestlib.la

include tests/unit/local.mk
include tests/integration/local.mk

# Run by scripts/test.sh after distcheck (needs root: it installs the
# packages), not by make check.
EXTRA_DIST += tests/package/test_package.sh
