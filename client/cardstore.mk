# cardstore.mk: the client's local card store, its migrations and tests.
client_libcardx_la_SOURCES += client/cardstore.c $(MIGRATE_SOURCES)
nodist_client_libcardx_la_SOURCES = sql/client_migrations.c

CLIENT_SQL = sql/client/001_init.sql
EXTRA_DIST += $(CLIENT_SQL)
BUILT_SOURCES += sql/client_migrations.c
CLEANFILES += sql/client_migrations.c
sql/client_migrations.c: $(CLIENT_SQL) sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) sql && files= && \
	for f in $(CLIENT_SQL); do files="$$files $(srcdir)/$$f"; done && \
	$(SQL_EMBED) client_migrations $$files > $@.tmp && mv $@.tmp $@

# Never built: CARDX_LIBS holds the C++ phone shim, so link as C++.
check_PROGRAMS += tests/test_cardstore tests/test_cardstore_scale
tests_test_cardstore_SOURCES = tests/test_cardstore.c tests/tmpdb.h \
	tests/tmpdb.c
nodist_EXTRA_tests_test_cardstore_SOURCES = dummy.cxx
tests_test_cardstore_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cardstore_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)
# 100,000 contacts: too slow under valgrind, so only in TESTS.
tests_test_cardstore_scale_SOURCES = tests/test_cardstore_scale.c
nodist_EXTRA_tests_test_cardstore_scale_SOURCES = dummy.cxx
tests_test_cardstore_scale_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_cardstore_scale_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)
TESTS += tests/test_cardstore tests/test_cardstore_scale
VALGRIND_TESTS += tests/test_cardstore
