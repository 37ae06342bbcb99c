# tests/: every test rule of the tree. Check unit tests (no servers) and
# integration tests against a real Prosody or ejabberd with cardxd attached.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) \
	-DSRCDIR='"$(abs_top_srcdir)"' -DBUILDDIR='"$(abs_top_builddir)"'
AM_TESTS_ENVIRONMENT = CK_DEFAULT_TIMEOUT=60; export CK_DEFAULT_TIMEOUT; \
	CARDX_SRCDIR='$(abs_top_srcdir)'; export CARDX_SRCDIR; \
	CARDX_BUILDDIR='$(abs_top_builddir)'; export CARDX_BUILDDIR;

# --- unit tests: no network; again under valgrind (check-valgrind) ---

UNIT_TESTS = tests/test_handshake tests/test_xmlstream tests/test_phone \
	tests/test_vcard tests/test_vcardtext tests/test_config tests/test_store \
	tests/test_service tests/test_adhoc_unit tests/test_cardstore \
	tests/test_client_cli
check_PROGRAMS += $(UNIT_TESTS) tests/test_cardstore_scale
TESTS += $(UNIT_TESTS) tests/test_cardstore_scale
# 100,000 contacts: too slow under valgrind, so only in TESTS.
VALGRIND_TESTS += $(UNIT_TESTS)

tests_test_handshake_SOURCES = tests/test_handshake.c
tests_test_handshake_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_handshake_LDADD = $(XEP_LIBS) $(CHECK_LIBS)

tests_test_xmlstream_SOURCES = tests/test_xmlstream.c
tests_test_xmlstream_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_xmlstream_LDADD = $(XEP_LIBS) $(CHECK_LIBS)

tests_test_phone_SOURCES = tests/test_phone.c
# Never built: only makes libtool link the test with the C++ driver.
nodist_EXTRA_tests_test_phone_SOURCES = dummy.cxx
tests_test_phone_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_phone_LDADD = $(PHONE_LIBS) common/libcommon.la $(CHECK_LIBS)

tests_test_vcard_SOURCES = tests/test_vcard.c
tests_test_vcard_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_vcard_LDADD = $(XEP_LIBS) $(CHECK_LIBS)
tests_test_vcardtext_SOURCES = tests/test_vcardtext.c
tests_test_vcardtext_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_vcardtext_LDADD = $(XEP_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/data/vcard/card40.vcf tests/data/vcard/card30.vcf \
	tests/data/vcard/several.vcf tests/data/vcard/photo.xml

tests_test_config_SOURCES = tests/test_config.c
nodist_EXTRA_tests_test_config_SOURCES = dummy.cxx
tests_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_config_LDADD = $(CARDXD_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/data/config/full.conf \
	tests/data/config/unknown-key.conf \
	tests/data/config/unknown-section.conf \
	tests/data/config/bad-number.conf \
	tests/data/config/bad-port.conf \
	tests/data/config/syntax.conf \
	tests/data/config/bad-level.conf \
	tests/data/config/bad-region.conf \
	tests/data/config/bad-sync.conf \
	tests/data/config/no-secret.conf

tests_test_store_SOURCES = tests/test_store.c tests/tmpdb.h tests/tmpdb.c
# Never built: CARDXD_LIBS holds the C++ phone shim, so link as C++.
nodist_EXTRA_tests_test_store_SOURCES = dummy.cxx
tests_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_store_LDADD = $(CARDXD_LIBS) $(CHECK_LIBS)

# The service's handlers alone: stanzas in, stanzas out, a real store.
tests_test_service_SOURCES = tests/test_service.c tests/svcfix.h tests/svcfix.c
nodist_EXTRA_tests_test_service_SOURCES = dummy.cxx
tests_test_service_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_service_LDADD = $(CARDXD_LIBS) $(CHECK_LIBS)
# XEP-0050 sessions without a network (expiry, the cap).
tests_test_adhoc_unit_SOURCES = tests/test_adhoc_unit.c tests/svcfix.h \
	tests/svcfix.c
nodist_EXTRA_tests_test_adhoc_unit_SOURCES = dummy.cxx
tests_test_adhoc_unit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_adhoc_unit_LDADD = $(CARDXD_LIBS) $(CHECK_LIBS)

tests_test_cardstore_SOURCES = tests/test_cardstore.c tests/tmpdb.h \
	tests/tmpdb.c
nodist_EXTRA_tests_test_cardstore_SOURCES = dummy.cxx
tests_test_cardstore_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cardstore_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)
tests_test_cardstore_scale_SOURCES = tests/test_cardstore_scale.c
nodist_EXTRA_tests_test_cardstore_scale_SOURCES = dummy.cxx
tests_test_cardstore_scale_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cardstore_scale_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)

# Pure client logic (settings, the config file's mode check, command-line
# parsing) and the offline commands run through a command context.
tests_test_client_cli_SOURCES = tests/client/test_client_cli.c
nodist_EXTRA_tests_test_client_cli_SOURCES = dummy.cxx
tests_test_client_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_client_cli_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)

check-valgrind: $(VALGRIND_TESTS)
	@set -e; for t in $(VALGRIND_TESTS); do \
	  echo "valgrind: $$t"; \
	  CK_FORK=no $(LIBTOOL) --mode=execute valgrind -q --error-exitcode=1 \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect \
	    ./$$t || exit 1; \
	done
.PHONY: check-valgrind

# --- integration tests: real servers on loopback, started by the harness ---

# The harness (throwaway Prosody or ejabberd, cardxd runner, synchronous
# XMPP client) and the shared integration-test helpers. Integration tests
# run with CK_NOFORK.
noinst_LTLIBRARIES += tests/libharness.la
tests_libharness_la_SOURCES = tests/harness.h tests/harness.c \
	tests/xclient.h tests/xclient.c
tests_libharness_la_CPPFLAGS = $(TEST_CPPFLAGS)
HARNESS_LIBS = tests/libharness.la $(XEP_LIBS)
check_LTLIBRARIES = tests/libitest.la
tests_libitest_la_SOURCES = tests/itest.h tests/itest.c
tests_libitest_la_CPPFLAGS = $(TEST_CPPFLAGS)
ITEST_LIBS = tests/libitest.la $(HARNESS_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/servers/prosody.sh tests/servers/prosody.cfg.lua.in \
	tests/servers/ejabberd.sh tests/servers/ejabberd.yml.in tests/servers/lib.sh

ITESTS = tests/test_harness tests/test_link tests/test_exchange \
	tests/test_privilege tests/test_adhoc tests/test_slix \
	tests/test_client_e2e
check_PROGRAMS += $(ITESTS)
TESTS += $(ITESTS)

tests_test_harness_SOURCES = tests/test_harness.c
tests_test_harness_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_harness_LDADD = $(HARNESS_LIBS) $(CHECK_LIBS)
tests_test_link_SOURCES = tests/test_link.c
tests_test_link_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_link_LDADD = $(ITEST_LIBS)
tests_test_exchange_SOURCES = tests/test_exchange.c
tests_test_exchange_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_exchange_LDADD = $(ITEST_LIBS)
tests_test_privilege_SOURCES = tests/test_privilege.c
tests_test_privilege_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_privilege_LDADD = $(ITEST_LIBS)
# Commands and gateway lookup against a real server.
tests_test_adhoc_SOURCES = tests/test_adhoc.c
tests_test_adhoc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_adhoc_LDADD = $(ITEST_LIBS)
# A client stack that is not ours (slixmpp, Debian's python3-slixmpp run by
# /usr/bin/python3) through the whole flow.
tests_test_slix_SOURCES = tests/test_slix.c
tests_test_slix_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_slix_LDADD = $(HARNESS_LIBS)
EXTRA_DIST += tests/slix/standard_client.py
# The cardx program driven like a user against the server and cardxd.
tests_test_client_e2e_SOURCES = tests/test_client_e2e.c
tests_test_client_e2e_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_client_e2e_LDADD = $(HARNESS_LIBS) $(CHECK_LIBS)
EXTRA_tests_test_client_e2e_DEPENDENCIES = client/cardx$(EXEEXT) \
	component/cardxd$(EXEEXT)

# The integration tests again with ejabberd as the server: each wrapper runs
# the same binary with CARDX_SERVER=ejabberd (see tests/harness.h).
EJABBERD_TESTS = tests/test_link_ejabberd.sh tests/test_exchange_ejabberd.sh \
	tests/test_privilege_ejabberd.sh tests/test_client_e2e_ejabberd.sh \
	tests/test_adhoc_ejabberd.sh tests/test_slix_ejabberd.sh
TESTS += $(EJABBERD_TESTS)
EXTRA_DIST += $(EJABBERD_TESTS)

# docs/ADMIN.md quotes the server configs the tests run: keep them equal.
TESTS += tests/admin_guide.sh
EXTRA_DIST += tests/admin_guide.sh docs/ADMIN.md
