# config.mk: cardxd configuration loading (component/config.c) and its tests.
component_libcardxd_la_SOURCES += component/config.c

check_PROGRAMS += tests/test_config
tests_test_config_SOURCES = tests/test_config.c
tests_test_config_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_config_LDADD = component/libcardxd.la $(XEP_LIBS) $(INIH_LIBS) \
	$(CHECK_LIBS)
TESTS += tests/test_config
VALGRIND_TESTS += tests/test_config

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
