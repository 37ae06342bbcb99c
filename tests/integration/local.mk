# tests/integration/: real servers on loopback, started by the harness.

# The harness (throwaway Prosody or ejabberd, cardxd runner, synchronous
# XMPP client; bench/ links it too) and the shared integration-test helpers.
# Integration tests run with CK_NOFORK: the harness lives in the process.
noinst_LTLIBRARIES += tests/integration/libharness.la
tests_integration_libharness_la_SOURCES = tests/integration/harness.h \
	tests/integration/harness.c tests/integration/proc.h \
	tests/integration/proc.c tests/integration/xclient.h \
	tests/integration/xclient.c
tests_integration_libharness_la_CPPFLAGS = $(TEST_CPPFLAGS)
HARNESS_LIBS = tests/integration/libharness.la $(XEP_LIBS)
check_LTLIBRARIES += tests/integration/libitest.la
tests_integration_libitest_la_SOURCES = tests/integration/itest.h \
	tests/integration/itest.c
tests_integration_libitest_la_CPPFLAGS = $(TEST_CPPFLAGS)
ITEST_LIBS = tests/integration/libitest.la $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CHECK_LIBS)
EXTRA_DIST += tests/integration/servers/prosody.sh \
	tests/integration/servers/prosody.cfg.lua.in \
	tests/integration/servers/ejabberd.sh \
	tests/integration/servers/ejabberd.yml.in \
	tests/integration/servers/lib.sh \
	tests/integration/servers/prosody-stock.sh \
	tests/integration/servers/prosody-stock.cfg.lua.in \
	tests/integration/servers/postgresql.sh

ITESTS = tests/integration/test_harness tests/integration/test_link \
	tests/integration/test_exchange tests/integration/test_privilege \
	tests/integration/test_adhoc tests/integration/test_slix \
	tests/integration/test_client_e2e tests/integration/test_dbfault \
	tests/integration/test_verify tests/integration/test_limits \
	tests/integration/test_privacy tests/integration/test_chaos \
	tests/integration/test_reload \
	tests/integration/test_admin \
	tests/integration/test_media \
	tests/integration/test_updates \
	tests/integration/test_client_stock \
	tests/integration/test_lang tests/integration/test_db_pg \
	tests/integration/test_pgfault
check_PROGRAMS += $(ITESTS)
TESTS += $(ITESTS)

tests_integration_test_harness_SOURCES = tests/integration/test_harness.c
tests_integration_test_harness_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_harness_LDADD = $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CHECK_LIBS)
tests_integration_test_link_SOURCES = tests/integration/test_link.c
tests_integration_test_link_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_link_LDADD = $(ITEST_LIBS)
tests_integration_test_dbfault_SOURCES = tests/integration/test_dbfault.c
tests_integration_test_dbfault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_dbfault_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_dbfault_DEPENDENCIES = component/cardxd$(EXEEXT)
# The PostgreSQL driver itself, against a throwaway PostgreSQL.
tests_integration_test_db_pg_SOURCES = tests/integration/test_db_pg.c
tests_integration_test_db_pg_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBPQ_CFLAGS)
tests_integration_test_db_pg_LDADD = $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CARDXD_LIBS) $(CHECK_LIBS)
# cardxd on PostgreSQL while PostgreSQL restarts under cards.
tests_integration_test_pgfault_SOURCES = tests/integration/test_pgfault.c
tests_integration_test_pgfault_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_pgfault_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_pgfault_DEPENDENCIES = component/cardxd$(EXEEXT)
tests_integration_test_exchange_SOURCES = tests/integration/test_exchange.c
tests_integration_test_exchange_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_exchange_LDADD = $(ITEST_LIBS)
tests_integration_test_privilege_SOURCES = tests/integration/test_privilege.c
tests_integration_test_privilege_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_privilege_LDADD = $(ITEST_LIBS)
# The administrators' commands and the metrics endpoint.
tests_integration_test_admin_SOURCES = tests/integration/test_admin.c
tests_integration_test_admin_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_admin_LDADD = $(ITEST_LIBS)
# Commands and gateway lookup against a real server.
tests_integration_test_adhoc_SOURCES = tests/integration/test_adhoc.c
tests_integration_test_adhoc_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_adhoc_LDADD = $(ITEST_LIBS)
# Proving phone numbers with codes ([verify] method = command).
tests_integration_test_verify_SOURCES = tests/integration/test_verify.c
tests_integration_test_verify_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_verify_LDADD = $(ITEST_LIBS)
# The [limits] of an open service (rates, lookups, quota, expiry).
tests_integration_test_limits_SOURCES = tests/integration/test_limits.c
tests_integration_test_limits_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_limits_LDADD = $(ITEST_LIBS)
# [privacy] and blocking: held cards, answers that tell nothing.
tests_integration_test_privacy_SOURCES = tests/integration/test_privacy.c
tests_integration_test_privacy_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_privacy_LDADD = $(ITEST_LIBS)
# Cards that stay current (updates) and profiles.
tests_integration_test_updates_SOURCES = tests/integration/test_updates.c
tests_integration_test_updates_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_updates_LDADD = $(ITEST_LIBS)
# Languages: answers, deliveries and forms in the reader's language, and
# the cardx program following LANG.
tests_integration_test_lang_SOURCES = tests/integration/test_lang.c
tests_integration_test_lang_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_lang_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_lang_DEPENDENCIES = client/cardx$(EXEEXT) \
	component/cardxd$(EXEEXT)
# A client stack that is not ours (slixmpp, Debian's python3-slixmpp run by
# /usr/bin/python3) through the whole flow. Not a Check program.
tests_integration_test_slix_SOURCES = tests/integration/test_slix.c
tests_integration_test_slix_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_slix_LDADD = $(HARNESS_LIBS)
EXTRA_DIST += tests/integration/slix/standard_client.py
# The cardx program driven like a user against the server and cardxd.
tests_integration_test_client_e2e_SOURCES = \
	tests/integration/test_client_e2e.c
tests_integration_test_client_e2e_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_client_e2e_LDADD = $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CHECK_LIBS)
EXTRA_tests_integration_test_client_e2e_DEPENDENCIES = \
	client/cardx$(EXEEXT) component/cardxd$(EXEEXT)
# Photos through a send and an export; consent (ask, contacts) with the
# cardx program.
tests_integration_test_media_SOURCES = tests/integration/test_media.c
tests_integration_test_media_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_media_LDADD = $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CHECK_LIBS)
EXTRA_tests_integration_test_media_DEPENDENCIES = \
	client/cardx$(EXEEXT) component/cardxd$(EXEEXT)
# The cardx program against a Prosody close to Debian's stock config (TLS
# with a generated certificate, invitations only, accounts by prosodyctl).
tests_integration_test_client_stock_SOURCES = \
	tests/integration/test_client_stock.c
tests_integration_test_client_stock_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_client_stock_LDADD = $(TESTLIB_LIBS) $(HARNESS_LIBS) \
	$(CHECK_LIBS)
EXTRA_tests_integration_test_client_stock_DEPENDENCIES = \
	client/cardx$(EXEEXT) component/cardxd$(EXEEXT)
# Cards sent while cardxd is killed, the server restarts and recipients
# come and go (a few minutes; scripts/soak.sh runs it for an hour).
tests_integration_test_chaos_SOURCES = tests/integration/test_chaos.c
tests_integration_test_chaos_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_chaos_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_chaos_DEPENDENCIES = component/cardxd$(EXEEXT)
EXTRA_DIST += scripts/soak.sh

# Two cardxd instances on one component domain and one SQLite file, which
# only ejabberd allows: exchanges across them, and a kill -9 of one.
check_PROGRAMS += tests/integration/test_instances
tests_integration_test_instances_SOURCES = tests/integration/test_instances.c
tests_integration_test_instances_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_instances_LDADD = $(ITEST_LIBS) $(SQLITE_LIBS)
EXTRA_tests_integration_test_instances_DEPENDENCIES = component/cardxd$(EXEEXT)

# The integration tests again with ejabberd as the server: each wrapper runs
# the same binary with CARDX_SERVER=ejabberd (see harness.h).
EJABBERD_TESTS = tests/integration/test_link_ejabberd.sh \
	tests/integration/test_exchange_ejabberd.sh \
	tests/integration/test_privilege_ejabberd.sh \
	tests/integration/test_client_e2e_ejabberd.sh \
	tests/integration/test_adhoc_ejabberd.sh \
	tests/integration/test_slix_ejabberd.sh \
	tests/integration/test_dbfault_ejabberd.sh \
	tests/integration/test_verify_ejabberd.sh \
	tests/integration/test_limits_ejabberd.sh \
	tests/integration/test_privacy_ejabberd.sh \
	tests/integration/test_reload_ejabberd.sh \
	tests/integration/test_admin_ejabberd.sh \
	tests/integration/test_media_ejabberd.sh \
	tests/integration/test_updates_ejabberd.sh \
	tests/integration/test_lang_ejabberd.sh \
	tests/integration/test_instances_ejabberd.sh
TESTS += $(EJABBERD_TESTS)
EXTRA_DIST += $(EJABBERD_TESTS)

# And once more with cardxd on a throwaway PostgreSQL ($CARDX_STORE, see
# harness.h). test_dbfault stays SQLite's: it fills the SQLite file's disk,
# locks it with sqlite3, damages it and backs it up; test_pgfault is its
# PostgreSQL counterpart (the server restarted under cards).
EJABBERD_PG_TESTS = tests/integration/test_link_ejabberd_pg.sh \
	tests/integration/test_exchange_ejabberd_pg.sh \
	tests/integration/test_privilege_ejabberd_pg.sh \
	tests/integration/test_client_e2e_ejabberd_pg.sh \
	tests/integration/test_adhoc_ejabberd_pg.sh \
	tests/integration/test_slix_ejabberd_pg.sh \
	tests/integration/test_verify_ejabberd_pg.sh \
	tests/integration/test_limits_ejabberd_pg.sh \
	tests/integration/test_privacy_ejabberd_pg.sh \
	tests/integration/test_reload_ejabberd_pg.sh \
	tests/integration/test_admin_ejabberd_pg.sh \
	tests/integration/test_media_ejabberd_pg.sh \
	tests/integration/test_updates_ejabberd_pg.sh \
	tests/integration/test_lang_ejabberd_pg.sh \
	tests/integration/test_pgfault_ejabberd_pg.sh
TESTS += $(EJABBERD_PG_TESTS)
EXTRA_DIST += $(EJABBERD_PG_TESTS)

# SIGHUP: the configuration reloaded on the same link; card life at info.
tests_integration_test_reload_SOURCES = tests/integration/test_reload.c
tests_integration_test_reload_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_reload_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_reload_DEPENDENCIES = component/cardxd$(EXEEXT)

# Without the server the integration tests are skipped, unless required.
TESTS += tests/integration/test_skip.sh
EXTRA_DIST += tests/integration/test_skip.sh

# docs/ADMIN.md quotes the server configs the tests run: keep them equal.
TESTS += tests/integration/admin_guide.sh
EXTRA_DIST += tests/integration/admin_guide.sh docs/ADMIN.md

# libcardx through its public header (lib/cardx.h): the event API, the
# application's signals and environment, and examples/ built against a
# DESTDIR install through pkg-config. test_libcardx.sh installs, builds the
# examples and runs the program; the wrapper does it again on ejabberd.
check_PROGRAMS += tests/integration/test_libcardx
tests_integration_test_libcardx_SOURCES = tests/integration/test_libcardx.c
tests_integration_test_libcardx_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_libcardx_LDADD = lib/libcardx.la $(TESTLIB_LIBS) \
	$(HARNESS_LIBS) $(CHECK_LIBS)
EXTRA_tests_integration_test_libcardx_DEPENDENCIES = component/cardxd$(EXEEXT)
LIBCARDX_TESTS = tests/integration/test_libcardx.sh \
	tests/integration/test_libcardx_ejabberd.sh
TESTS += $(LIBCARDX_TESTS)
EXTRA_DIST += $(LIBCARDX_TESTS) examples/send_card.c examples/recv_poll.c \
	examples/recv_glib.c
AM_TESTS_ENVIRONMENT += CARDX_MAKE='$(MAKE)'; export CARDX_MAKE; \
	CARDX_SAN_FLAGS='$(SAN_FLAGS)'; export CARDX_SAN_FLAGS; \
	CC='$(CC)'; export CC;

# A two-node ejabberd cluster on loopback (servers/ejabberd-cluster.sh:
# epmd, two nodes, a join) with a cardxd attached to each node on one
# component domain and one database; one instance is killed while cards
# flow. Always on ejabberd: Prosody has no clustering.
check_PROGRAMS += tests/integration/test_cluster
TESTS += tests/integration/test_cluster
tests_integration_test_cluster_SOURCES = tests/integration/test_cluster.c \
	tests/integration/cluster.h tests/integration/cluster.c
tests_integration_test_cluster_CPPFLAGS = $(TEST_CPPFLAGS)
tests_integration_test_cluster_LDADD = $(ITEST_LIBS)
EXTRA_tests_integration_test_cluster_DEPENDENCIES = component/cardxd$(EXEEXT)
EXTRA_DIST += tests/integration/servers/ejabberd-cluster.sh
# The same with one PostgreSQL behind both instances (issue 11).
TESTS += tests/integration/test_cluster_postgresql.sh
EXTRA_DIST += tests/integration/test_cluster_postgresql.sh
