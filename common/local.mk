# common/: what both programs share that is neither XMPP nor cards
# (libcommon): the error convention, logging and small helpers; and
# libphone, the C shim over libphonenumber (C++). A program linking libphone
# must also list nodist_EXTRA_<prog>_SOURCES = dummy.cxx so it is linked as
# C++.
noinst_LTLIBRARIES += common/libcommon.la common/libphone.la
common_libcommon_la_SOURCES = common/errors.h common/util.h common/util.c \
	common/log.h common/log.c common/i18n.h common/i18n.c
common_libphone_la_SOURCES = common/phone.h common/phone.cc
PHONE_LIBS = common/libphone.la $(PHONENUMBER_LIBS)
