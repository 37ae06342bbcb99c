# xmlstream.mk: the incremental XMPP stream parser (expat to libstrophe stanzas) and its tests.
xep_libxep_la_SOURCES += xep/xmlstream.h xep/xmlstream.c

check_PROGRAMS += tests/test_xmlstream
tests_test_xmlstream_SOURCES = tests/test_xmlstream.c
tests_test_xmlstream_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_xmlstream_LDADD = $(XEP_LIBS) $(CHECK_LIBS)
TESTS += tests/test_xmlstream
VALGRIND_TESTS += tests/test_xmlstream
