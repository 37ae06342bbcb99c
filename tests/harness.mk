# harness.mk: the integration-test harness (throwaway Prosody or ejabberd,
# cardxd runner, synchronous XMPP client) as tests/libharness.la, its own
# test, and the XEP-0356 privileged presence test.
# Integration tests link $(HARNESS_LIBS) and run with CK_NOFORK.
noinst_LTLIBRARIES += tests/libharness.la
tests_libharness_la_SOURCES = tests/harness.h tests/harness.c \
	tests/xclient.h tests/xclient.c
tests_libharness_la_CPPFLAGS = $(TEST_CPPFLAGS)
HARNESS_LIBS = tests/libharness.la $(XEP_LIBS)
EXTRA_DIST += tests/servers/prosody.sh tests/servers/prosody.cfg.lua.in \
	tests/servers/ejabberd.sh tests/servers/ejabberd.yml.in tests/servers/lib.sh

check_PROGRAMS += tests/test_harness
tests_test_harness_SOURCES = tests/test_harness.c
tests_test_harness_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_harness_LDADD = $(HARNESS_LIBS) $(CHECK_LIBS)
TESTS += tests/test_harness

# Privileged presence on either server (tests/Makefile.inc runs it again
# with ejabberd); uses the shared integration-test helpers.
check_PROGRAMS += tests/test_privilege
tests_test_privilege_SOURCES = tests/test_privilege.c
tests_test_privilege_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_privilege_LDADD = $(ITEST_LIBS)
TESTS += tests/test_privilege

# docs/ADMIN.md quotes the server configs the tests run: keep them equal.
TESTS += tests/admin_guide.sh
EXTRA_DIST += tests/admin_guide.sh docs/ADMIN.md
