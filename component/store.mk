# store.mk: cardxd's SQLite store, its embedded migrations, and its test.
component_libcardxd_la_SOURCES += component/store.c $(MIGRATE_SOURCES)
nodist_component_libcardxd_la_SOURCES = sql/component_migrations.c

check_PROGRAMS += tests/test_store
tests_test_store_SOURCES = tests/test_store.c tests/tmpdb.h tests/tmpdb.c
# Never built: CARDXD_LIBS holds the C++ phone shim, so link as C++.
nodist_EXTRA_tests_test_store_SOURCES = dummy.cxx
tests_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_store_LDADD = $(CARDXD_LIBS) $(CHECK_LIBS)
TESTS += tests/test_store
VALGRIND_TESTS += tests/test_store
