# lib/: libcardx, the installed shared library (public header cardx.h,
# only cardx_* exported) over the client's store and session, with its
# pkg-config file.
lib_LTLIBRARIES = lib/libcardx.la
include_HEADERS = lib/cardx.h
# The library's code as a convenience library too, so unit tests (and
# valgrind) link it statically; libcardx.la is that plus what it wraps.
noinst_LTLIBRARIES += lib/libcardxapi.la
lib_libcardxapi_la_SOURCES = lib/cardx.h lib/lib_int.h lib/lib_client_int.h \
	lib/lib_error.c lib/lib_settings.c lib/lib_card.c lib/lib_store.c \
	lib/lib_sigpipe.c lib/lib_client.c lib/lib_request.c lib/lib_message.c \
	lib/lib_blocking.c lib/lib_updates.c lib/lib_profile.c \
	lib/lib_consent.c
# The library's own messages read from the installed catalogs unless the
# application's locale_dir setting says otherwise.
lib_libcardxapi_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLIBCARDX_LOCALEDIR='"$(localedir)"'
lib_libcardx_la_SOURCES =
LIBCARDX_DEPS = client/libcardxcore.la $(XEP_LIBS) $(SQLITE_LIBS)
# Interface version current:revision:age (libtool's rules: bump current and
# zero revision when the interface changes; age counts the compatible
# older interfaces).
LIBCARDX_VERSION_INFO = 1:0:1
lib_libcardx_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(LIBCARDX_VERSION_INFO) \
	-no-undefined -export-symbols-regex '^cardx_'
lib_libcardx_la_LIBADD = lib/libcardxapi.la $(LIBCARDX_DEPS)

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = lib/cardx.pc
EXTRA_DIST += lib/cardx.pc.in
DISTCLEANFILES = lib/cardx.pc
dist_doc_DATA += docs/LIBCARDX.md
