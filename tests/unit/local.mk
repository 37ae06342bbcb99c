# tests/unit/: Check unit tests, no network; again under valgrind
# (make check-valgrind).
UNIT_TESTS = tests/unit/test_handshake tests/unit/test_xmlstream \
	tests/unit/test_phone tests/unit/test_vcard tests/unit/test_vcardtext \
	tests/unit/test_config tests/unit/test_store tests/unit/test_service \
	tests/unit/test_deliver tests/unit/test_adhoc_unit tests/unit/test_cardstore \
	tests/unit/test_client_cli tests/unit/test_stanza_match \
	tests/unit/test_link_unit tests/unit/test_verify \
	tests/unit/test_limits tests/unit/test_inbox_policy \
	tests/unit/test_stats tests/unit/test_admin_unit \
	tests/unit/test_qrcard tests/unit/test_photo tests/unit/test_consent \
	tests/unit/test_merge tests/unit/test_store_share \
	tests/unit/test_manpage tests/unit/test_libcardx_store \
	tests/unit/test_libcardx_updates tests/unit/test_i18n \
	tests/unit/test_instances
check_PROGRAMS += $(UNIT_TESTS) tests/unit/test_cardstore_scale
TESTS += $(UNIT_TESTS) tests/unit/test_cardstore_scale
# 100,000 contacts: too slow under valgrind, so only in TESTS.
VALGRIND_TESTS += $(UNIT_TESTS)
# cardxd -t on good and bad setups (a script: not under valgrind).
TESTS += tests/unit/test_check.sh
EXTRA_DIST += tests/unit/test_check.sh

tests_unit_test_handshake_SOURCES = tests/unit/test_handshake.c
tests_unit_test_handshake_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_handshake_LDADD = $(TESTLIB_LIBS) $(XEP_LIBS) $(CHECK_LIBS)

tests_unit_test_xmlstream_SOURCES = tests/unit/test_xmlstream.c
tests_unit_test_xmlstream_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_xmlstream_LDADD = $(TESTLIB_LIBS) $(XEP_LIBS) $(CHECK_LIBS)

tests_unit_test_phone_SOURCES = tests/unit/test_phone.c
# Never built: only makes libtool link the test with the C++ driver.
nodist_EXTRA_tests_unit_test_phone_SOURCES = dummy.cxx
tests_unit_test_phone_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_phone_LDADD = $(TESTLIB_LIBS) $(PHONE_LIBS) \
	common/libcommon.la $(CHECK_LIBS)

tests_unit_test_vcard_SOURCES = tests/unit/test_vcard.c
tests_unit_test_vcard_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_vcard_LDADD = $(TESTLIB_LIBS) $(XEP_LIBS) $(CHECK_LIBS)
tests_unit_test_vcardtext_SOURCES = tests/unit/test_vcardtext.c
tests_unit_test_vcardtext_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_vcardtext_LDADD = $(TESTLIB_LIBS) $(XEP_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/data/vcard/card40.vcf \
	tests/unit/data/vcard/card30.vcf tests/unit/data/vcard/several.vcf \
	tests/unit/data/vcard/photo.xml

tests_unit_test_config_SOURCES = tests/unit/test_config.c
nodist_EXTRA_tests_unit_test_config_SOURCES = dummy.cxx
tests_unit_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_config_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/data/config/full.conf \
	tests/unit/data/config/unknown-key.conf \
	tests/unit/data/config/unknown-section.conf \
	tests/unit/data/config/bad-number.conf \
	tests/unit/data/config/bad-port.conf \
	tests/unit/data/config/syntax.conf \
	tests/unit/data/config/bad-level.conf \
	tests/unit/data/config/bad-region.conf \
	tests/unit/data/config/bad-sync.conf \
	tests/unit/data/config/no-secret.conf

tests_unit_test_manpage_SOURCES = tests/unit/test_manpage.c
nodist_EXTRA_tests_unit_test_manpage_SOURCES = dummy.cxx
tests_unit_test_manpage_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_manpage_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# It reads the page made from its template: built before it runs.
EXTRA_tests_unit_test_manpage_DEPENDENCIES = component/cardxd.conf.5

tests_unit_test_store_SOURCES = tests/unit/test_store.c
# Never built: CARDXD_LIBS holds the C++ phone shim, so link as C++.
nodist_EXTRA_tests_unit_test_store_SOURCES = dummy.cxx
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)

# The one-time codes that prove phone numbers, with an injected clock.
tests_unit_test_verify_SOURCES = tests/unit/test_verify.c
nodist_EXTRA_tests_unit_test_verify_SOURCES = dummy.cxx
tests_unit_test_verify_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_verify_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)

# The service's handlers alone: stanzas in, stanzas out, a real store.
tests_unit_test_service_SOURCES = tests/unit/test_service.c
nodist_EXTRA_tests_unit_test_service_SOURCES = dummy.cxx
tests_unit_test_service_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_service_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# When a card leaves the inbox: evidence only.
# Languages: the catalogs the build made (po/locale), and the service
# answering and delivering in them.
tests_unit_test_i18n_SOURCES = tests/unit/test_i18n.c
nodist_EXTRA_tests_unit_test_i18n_SOURCES = dummy.cxx
tests_unit_test_i18n_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_i18n_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)

tests_unit_test_deliver_SOURCES = tests/unit/test_deliver.c
nodist_EXTRA_tests_unit_test_deliver_SOURCES = dummy.cxx
tests_unit_test_deliver_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_deliver_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# The link's keepalive and read deadline on an injected clock, against a
# fake server on loopback.
tests_unit_test_link_unit_SOURCES = tests/unit/test_link_unit.c
nodist_EXTRA_tests_unit_test_link_unit_SOURCES = dummy.cxx
tests_unit_test_link_unit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_link_unit_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# The sender limits with the clock passed in; and the inbox policies
# (one card per sender, quota, expiry) through the service.
tests_unit_test_instances_SOURCES = tests/unit/test_instances.c
nodist_EXTRA_tests_unit_test_instances_SOURCES = dummy.cxx
tests_unit_test_instances_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_instances_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) \
	$(CHECK_LIBS)

tests_unit_test_limits_SOURCES = tests/unit/test_limits.c
nodist_EXTRA_tests_unit_test_limits_SOURCES = dummy.cxx
tests_unit_test_limits_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_limits_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# The administrators' commands over the service fixture.
tests_unit_test_admin_unit_SOURCES = tests/unit/test_admin_unit.c
nodist_EXTRA_tests_unit_test_admin_unit_SOURCES = dummy.cxx
tests_unit_test_admin_unit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_admin_unit_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
# The in-memory counters of the admin commands and metrics.
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
nodist_EXTRA_tests_unit_test_stats_SOURCES = dummy.cxx
tests_unit_test_stats_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_stats_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)
tests_unit_test_inbox_policy_SOURCES = tests/unit/test_inbox_policy.c
nodist_EXTRA_tests_unit_test_inbox_policy_SOURCES = dummy.cxx
tests_unit_test_inbox_policy_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_inbox_policy_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) \
	$(CHECK_LIBS)
# XEP-0050 sessions without a network (expiry, the cap).
tests_unit_test_adhoc_unit_SOURCES = tests/unit/test_adhoc_unit.c
nodist_EXTRA_tests_unit_test_adhoc_unit_SOURCES = dummy.cxx
tests_unit_test_adhoc_unit_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_adhoc_unit_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) \
	$(CHECK_LIBS)

tests_unit_test_cardstore_SOURCES = tests/unit/test_cardstore.c
nodist_EXTRA_tests_unit_test_cardstore_SOURCES = dummy.cxx
tests_unit_test_cardstore_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_cardstore_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) $(CHECK_LIBS)
# cardxd's store of shares, updates and profiles.
tests_unit_test_store_share_SOURCES = tests/unit/test_store_share.c
nodist_EXTRA_tests_unit_test_store_share_SOURCES = dummy.cxx
tests_unit_test_store_share_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_share_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) \
	$(CHECK_LIBS)
# The client's three-way merge of updates.
tests_unit_test_merge_SOURCES = tests/unit/test_merge.c
nodist_EXTRA_tests_unit_test_merge_SOURCES = dummy.cxx
tests_unit_test_merge_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_merge_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) $(CHECK_LIBS)
tests_unit_test_cardstore_scale_SOURCES = tests/unit/test_cardstore_scale.c
nodist_EXTRA_tests_unit_test_cardstore_scale_SOURCES = dummy.cxx
tests_unit_test_cardstore_scale_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_cardstore_scale_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) \
	$(CHECK_LIBS)

# Pure client logic (settings, the config file's mode check, command-line
# parsing) and the offline commands run through a command context.
tests_unit_test_client_cli_SOURCES = tests/unit/test_client_cli.c
nodist_EXTRA_tests_unit_test_client_cli_SOURCES = dummy.cxx
tests_unit_test_client_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_client_cli_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) \
	$(CHECK_LIBS)

# The own card as a QR code, read back by zbarimg (zbar-tools).
tests_unit_test_qrcard_SOURCES = tests/unit/test_qrcard.c
nodist_EXTRA_tests_unit_test_qrcard_SOURCES = dummy.cxx
tests_unit_test_qrcard_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_qrcard_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) $(CHECK_LIBS)

# Consent for strangers through the service, over a real store.
tests_unit_test_consent_SOURCES = tests/unit/test_consent.c
nodist_EXTRA_tests_unit_test_consent_SOURCES = dummy.cxx
tests_unit_test_consent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_consent_LDADD = $(TESTLIB_LIBS) $(CARDXD_LIBS) $(CHECK_LIBS)

# Photos in cards: the image check and the client's photo commands.
tests_unit_test_photo_SOURCES = tests/unit/test_photo.c
nodist_EXTRA_tests_unit_test_photo_SOURCES = dummy.cxx
tests_unit_test_photo_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_photo_LDADD = $(TESTLIB_LIBS) $(CARDX_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/data/photo/face.jpg tests/unit/data/photo/face.png

# The shared test library's stanza path matcher.
tests_unit_test_stanza_match_SOURCES = tests/unit/test_stanza_match.c
tests_unit_test_stanza_match_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_stanza_match_LDADD = $(TESTLIB_LIBS) $(XEP_LIBS) \
	$(CHECK_LIBS)

check-valgrind: $(VALGRIND_TESTS)
	@set -e; for t in $(VALGRIND_TESTS); do \
	  echo "valgrind: $$t"; \
	  CK_FORK=no $(LIBTOOL) --mode=execute valgrind -q --error-exitcode=1 \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect \
	    ./$$t || exit 1; \
	done
.PHONY: check-valgrind

# libcardx's exported and called symbols (see the script).
TESTS += tests/unit/test_libcardx_symbols.sh
EXTRA_DIST += tests/unit/test_libcardx_symbols.sh
# The cardx program's command files on libcardx's public header only.
TESTS += tests/unit/test_cli_public_api.sh
EXTRA_DIST += tests/unit/test_cli_public_api.sh

# libcardx's offline calls through cardx.h, linked statically for valgrind.
tests_unit_test_libcardx_store_SOURCES = tests/unit/test_libcardx_store.c
tests_unit_test_libcardx_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_libcardx_store_LDADD = $(TESTLIB_LIBS) lib/libcardxapi.la \
	$(LIBCARDX_DEPS) $(CHECK_LIBS)
# Updates of saved cards and photos through cardx.h, cards arriving
# through the store underneath.
tests_unit_test_libcardx_updates_SOURCES = tests/unit/test_libcardx_updates.c
tests_unit_test_libcardx_updates_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_libcardx_updates_LDADD = $(TESTLIB_LIBS) lib/libcardxapi.la \
	$(LIBCARDX_DEPS) $(CHECK_LIBS)
