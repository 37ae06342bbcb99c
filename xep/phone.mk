# phone.mk: libphone, the C shim over libphonenumber, and its unit test.
noinst_LTLIBRARIES += xep/libphone.la
xep_libphone_la_SOURCES = xep/phone.h xep/phone.cc

check_PROGRAMS += tests/test_phone
tests_test_phone_SOURCES = tests/test_phone.c
# Never built: only makes libtool link the test with the C++ driver.
nodist_EXTRA_tests_test_phone_SOURCES = dummy.cxx
tests_test_phone_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_phone_LDADD = $(PHONE_LIBS) $(CHECK_LIBS)
TESTS += tests/test_phone
VALGRIND_TESTS += tests/test_phone
