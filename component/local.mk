# component/: libcardxd (config, store, link, the service core and one room
# per feature) and the thin cardxd program.
noinst_LTLIBRARIES += component/libcardxd.la
component_libcardxd_la_SOURCES = component/config.h component/config.c \
	component/store.h component/store.c $(MIGRATE_SOURCES) \
	component/db.h component/db.c component/db_sqlite.c \
	component/db_sqlite_admin.c component/store_sql.c component/store_sql_pg.c \
	component/db_pg.h component/db_pg_int.h \
	component/db_pg.c component/db_pg_conn.c \
	component/link.h component/link.c component/link_int.h \
	component/link_alive.c \
	component/service.h component/service.c component/service_core.h \
	component/service_disco.c component/service_pending.c \
	component/service_fault.c component/service_lang.c component/feature.h \
	component/stats.h component/stats.c \
	component/metrics.h component/metrics.c component/metrics_text.c \
	component/cardxd.h component/cardxd.c \
	component/notify.h component/notify.c
# One room per feature, and the table that lists them.
component_libcardxd_la_SOURCES += component/features/table.c \
	component/features/basic.c \
	component/features/register.h component/features/register.c \
	component/features/adhoc.h component/features/adhoc.c \
	component/features/adhoc_commands.c component/features/admin.c \
	component/features/adhoc_language.c \
	component/features/gateway.c component/features/owncard.c \
	component/features/privilege.c component/features/ack.c \
	component/features/send.h component/features/send.c \
	component/features/block.h component/features/block.c \
	component/features/presence.c component/features/probe.c \
	component/features/probe.h component/features/instance.c \
	component/features/deliver.h component/features/deliver.c \
	component/features/verify.h component/features/verify.c \
	component/features/verify_code.h component/features/verify_code.c \
	component/features/expire.h component/features/expire.c \
	component/features/consent.h component/features/consent.c \
	component/features/update.h component/features/update.c \
	component/features/profile.h component/features/profile.c
nodist_component_libcardxd_la_SOURCES = sql/component_migrations.c \
	sql/component_pg_migrations.c
component_libcardxd_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCARDXD_STATEDIR='"$(localstatedir)/lib/cardxd"' \
	-DCARDXD_LOCALEDIR='"$(localedir)"'
# The config and the store, one file per job, with their private headers.
component_libcardxd_la_SOURCES += component/config_int.h \
	component/config_check.c component/config_load.c \
	component/config_reload.c \
	component/store_int.h component/store_user.c component/store_inbox.c \
	component/store_session.c component/store_claim.c component/store_inst_sql.h \
	component/store_window.c component/store_adhoc.c component/store_verify.c \
	component/store_limits.c component/store_block.c component/limits.h \
	component/store_report.c \
	component/store_consent.h component/store_consent.c \
	component/store_share.h component/store_share.c component/store_share_sql.h \
	component/limits.c
component_libcardxd_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(MHD_CFLAGS) \
	$(SYSTEMD_CFLAGS) $(LIBPQ_CFLAGS)
CARDXD_LIBS = component/libcardxd.la $(XEP_LIBS) $(PHONE_LIBS) \
	$(SQLITE_LIBS) $(INIH_LIBS) $(CRYPTO_LIBS) $(MHD_LIBS) $(SYSTEMD_LIBS) \
	$(LIBPQ_LIBS)
# The commented example, installed as documentation: the admin copies it to
# $(sysconfdir)/cardxd/cardxd.conf (docs/ADMIN.md).
dist_doc_DATA += component/cardxd.conf.example

sbin_PROGRAMS += component/cardxd
component_cardxd_SOURCES = component/main.c
component_cardxd_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCARDXD_CONFIG='"$(sysconfdir)/cardxd/cardxd.conf"'
nodist_EXTRA_component_cardxd_SOURCES = dummy.cxx
component_cardxd_LDADD = $(CARDXD_LIBS)

# What make install adds for an admin: the man pages and the systemd unit,
# made from their .in templates with the configured paths (at make time,
# where ${prefix} and friends are fully expanded).
man5_MANS = component/cardxd.conf.5
man8_MANS = component/cardxd.8
CARDXD_GENERATED = component/cardxd.8 component/cardxd.conf.5 \
	component/cardxd.service
CLEANFILES += $(CARDXD_GENERATED)
EXTRA_DIST += component/cardxd.8.in component/cardxd.conf.5.in \
	component/cardxd.service.in
if INSTALL_UNIT
systemdsystemunit_DATA = component/cardxd.service
endif
# For the tests (test_manpage reads cardxd.conf.5) as well as for install.
noinst_DATA += $(CARDXD_GENERATED)
cardxd_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@docdir[@]|$(docdir)|g' \
	-e 's|@localedir[@]|$(localedir)|g' \
	-e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	-e 's|@SYSTEMD_SERVICE_TYPE[@]|$(SYSTEMD_SERVICE_TYPE)|g'
$(CARDXD_GENERATED): Makefile
	$(AM_V_GEN)$(MKDIR_P) component && rm -f $@ $@.tmp && \
	$(cardxd_subst) $(srcdir)/$@.in >$@.tmp && mv $@.tmp $@
component/cardxd.8: $(srcdir)/component/cardxd.8.in
component/cardxd.conf.5: $(srcdir)/component/cardxd.conf.5.in
component/cardxd.service: $(srcdir)/component/cardxd.service.in
