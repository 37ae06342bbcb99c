# fuzz/: libFuzzer targets, one per parser that reads outside input, each
# checking properties (what is written parses back the same), not only
# crashes. Built only by `make fuzz-smoke` in a tree configured with
# --enable-fuzzing CC=clang CXX=clang++; fuzz/smoke.sh replays every
# regression input, then fuzzes each target for FUZZ_SECONDS from its seed
# corpus (fuzz/corpus/TARGET/). A crash or violation found goes into
# fuzz/regressions/TARGET/ so every later run replays it.
FUZZ_TARGETS = fuzz/fuzz_xmlstream fuzz/fuzz_vcard fuzz/fuzz_vcardtext \
	fuzz/fuzz_phone fuzz/fuzz_config fuzz/fuzz_settings
EXTRA_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_SECONDS = 20
# Linked as C++ (dummy.cxx): libFuzzer and libphone are C++.
FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

fuzz_fuzz_xmlstream_SOURCES = fuzz/fuzz_xmlstream.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_xmlstream_SOURCES = dummy.cxx
fuzz_fuzz_xmlstream_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_xmlstream_LDADD = $(XEP_LIBS)

fuzz_fuzz_vcard_SOURCES = fuzz/fuzz_vcard.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_vcard_SOURCES = dummy.cxx
fuzz_fuzz_vcard_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_vcard_LDADD = $(XEP_LIBS)

fuzz_fuzz_vcardtext_SOURCES = fuzz/fuzz_vcardtext.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_vcardtext_SOURCES = dummy.cxx
fuzz_fuzz_vcardtext_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_vcardtext_LDADD = $(XEP_LIBS)

fuzz_fuzz_phone_SOURCES = fuzz/fuzz_phone.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_phone_SOURCES = dummy.cxx
fuzz_fuzz_phone_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_phone_LDADD = $(PHONE_LIBS) common/libcommon.la

fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_config_SOURCES = dummy.cxx
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_config_LDADD = $(CARDXD_LIBS)

fuzz_fuzz_settings_SOURCES = fuzz/fuzz_settings.c fuzz/fuzzutil.h
nodist_EXTRA_fuzz_fuzz_settings_SOURCES = dummy.cxx
fuzz_fuzz_settings_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_settings_LDADD = $(CARDX_LIBS)

EXTRA_DIST += fuzz/smoke.sh fuzz/corpus fuzz/regressions

fuzz-smoke:
	@if test "$(ENABLE_FUZZING)" != yes; then \
	  echo "fuzz-smoke: configure with --enable-fuzzing CC=clang" \
	    "CXX=clang++ first" >&2; exit 1; fi
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_TARGETS)
	@$(SHELL) $(srcdir)/fuzz/smoke.sh $(srcdir)/fuzz $(FUZZ_SECONDS) \
	  $(FUZZ_TARGETS)
.PHONY: fuzz-smoke

# The smoke run's corpora, logs and artifacts.
clean-local: fuzz-clean
fuzz-clean:
	-rm -rf fuzz/work
.PHONY: fuzz-clean
