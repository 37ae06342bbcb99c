# vcard.mk: business cards as vcard-temp stanzas (xep/vcard.c) and as vCard
# 3.0/4.0 text (xep/vcardtext.c), with their unit tests.
xep_libxep_la_SOURCES += xep/vcard.h xep/vcard.c \
	xep/vcardtext.h xep/vcardtext.c

check_PROGRAMS += tests/test_vcard tests/test_vcardtext
tests_test_vcard_SOURCES = tests/test_vcard.c
tests_test_vcard_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_vcard_LDADD = $(XEP_LIBS) $(CHECK_LIBS)
tests_test_vcardtext_SOURCES = tests/test_vcardtext.c
tests_test_vcardtext_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_vcardtext_LDADD = $(XEP_LIBS) $(CHECK_LIBS)
TESTS += tests/test_vcard tests/test_vcardtext
VALGRIND_TESTS += tests/test_vcard tests/test_vcardtext

EXTRA_DIST += tests/data/vcard/card40.vcf tests/data/vcard/card30.vcf \
	tests/data/vcard/several.vcf tests/data/vcard/photo.xml
