# harness.mk: the integration-test harness (throwaway Prosody, cardxd runner,
# synchronous XMPP client) as tests/libharness.la, and its own test.
# Integration tests link $(HARNESS_LIBS) and run with CK_NOFORK.
noinst_LTLIBRARIES += tests/libharness.la
tests_libharness_la_SOURCES = tests/harness.h tests/harness.c \
	tests/xclient.h tests/xclient.c
tests_libharness_la_CPPFLAGS = $(TEST_CPPFLAGS)
HARNESS_LIBS = tests/libharness.la $(XEP_LIBS)
EXTRA_DIST += tests/servers/prosody.sh tests/servers/prosody.cfg.lua.in

check_PROGRAMS += tests/test_harness
tests_test_harness_SOURCES = tests/test_harness.c
tests_test_harness_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_harness_LDADD = $(HARNESS_LIBS) $(CHECK_LIBS)
TESTS += tests/test_harness
