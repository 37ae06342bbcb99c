# component/: libcardxd (config, store, link, the service core and one room
# per feature) and the thin cardxd program.
noinst_LTLIBRARIES += component/libcardxd.la
component_libcardxd_la_SOURCES = component/config.h component/config.c \
	component/store.h component/store.c $(MIGRATE_SOURCES) \
	component/link.h component/link.c component/link_int.h \
	component/link_alive.c \
	component/service.h component/service.c component/service_core.h \
	component/service_disco.c component/service_pending.c \
	component/service_fault.c component/service_lang.c component/feature.h \
	component/cardxd.h component/cardxd.c
# One room per feature, and the table that lists them.
component_libcardxd_la_SOURCES += component/features/table.c \
	component/features/basic.c \
	component/features/register.h component/features/register.c \
	component/features/adhoc.h component/features/adhoc.c \
	component/features/adhoc_commands.c component/features/adhoc_language.c \
	component/features/gateway.c component/features/owncard.c \
	component/features/privilege.c component/features/ack.c \
	component/features/send.h component/features/send.c \
	component/features/block.h component/features/block.c \
	component/features/presence.c component/features/probe.c \
	component/features/deliver.h component/features/deliver.c \
	component/features/verify.h component/features/verify.c \
	component/features/verify_code.h component/features/verify_code.c \
	component/features/expire.h component/features/expire.c
nodist_component_libcardxd_la_SOURCES = sql/component_migrations.c
component_libcardxd_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCARDXD_STATEDIR='"$(localstatedir)/lib/cardxd"' \
	-DCARDXD_LOCALEDIR='"$(localedir)"'
# The config and the store, one file per job, with their private headers.
component_libcardxd_la_SOURCES += component/config_int.h \
	component/config_check.c component/config_load.c \
	component/store_int.h component/store_user.c component/store_inbox.c \
	component/store_online.c component/store_admin.c component/store_verify.c \
	component/store_limits.c component/store_block.c component/limits.h \
	component/limits.c
component_libcardxd_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
CARDXD_LIBS = component/libcardxd.la $(XEP_LIBS) $(PHONE_LIBS) \
	$(SQLITE_LIBS) $(INIH_LIBS) $(CRYPTO_LIBS)
EXTRA_DIST += component/cardxd.conf.example

bin_PROGRAMS += component/cardxd
component_cardxd_SOURCES = component/main.c
nodist_EXTRA_component_cardxd_SOURCES = dummy.cxx
component_cardxd_LDADD = $(CARDXD_LIBS)
