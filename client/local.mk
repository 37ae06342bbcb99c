# client/: the client's core (the local card store and the session on
# libstrophe, wrapped by libcardx in lib/), the cardx program's commands
# and settings, and the thin cardx program with its man page.
noinst_LTLIBRARIES += client/libcardxcore.la client/libcardxcli.la
client_libcardxcore_la_SOURCES = client/cardstore.h client/cardstore_int.h \
	client/cardstore.c client/cardstore_stmt.c client/cardstore_cards.c \
	client/cardstore_inbox.c client/cardstore_contacts.c \
	client/cardstore_search.c client/cardstore_self.c \
	client/cardstore_substr.c \
	$(MIGRATE_SOURCES) \
	client/session.h client/session_int.h client/session.c \
	client/session_connect.c client/session_incoming.c client/session_iq.c \
	client/session_register.c client/session_tls.c
nodist_client_libcardxcore_la_SOURCES = sql/client_migrations.c
client_libcardxcli_la_SOURCES = client/cli.h client/settings.h client/settings.c \
	client/settings_account.c client/cliparse.h client/cliparse.c \
	client/commands.h client/commands.c \
	client/cli_help.c client/cli_card.c client/cli_inbox.c \
	client/cli_contacts.c client/cli_register.c client/cli_send.c \
	client/cli_shell.c \
	client/cli_block.c \
	client/qrcard.h client/qrcard.c client/cli_qr.c client/cli_photo.c \
	client/cli_requests.c client/cli_update.c client/cli_profile.c
# Cards that stay current (xep/cardx.md): the three-way merge and their
# store belong to the core.
client_libcardxcore_la_SOURCES += client/merge.h client/merge.c \
	client/cardstore_updates.h client/cardstore_updates_sql.h \
	client/cardstore_updates.c
CARDX_LIBS = client/libcardxcli.la lib/libcardxapi.la client/libcardxcore.la \
	$(XEP_LIBS) $(PHONE_LIBS) $(SQLITE_LIBS) $(INIH_LIBS) $(QRENCODE_LIBS) \
	$(PNG_LIBS)

bin_PROGRAMS += client/cardx
client_cardx_SOURCES = client/main.c
nodist_EXTRA_client_cardx_SOURCES = dummy.cxx
client_cardx_LDADD = $(CARDX_LIBS)
client_cardx_CPPFLAGS = $(AM_CPPFLAGS) -DCARDX_LOCALEDIR='"$(localedir)"'
dist_man1_MANS = client/cardx.1
# What the client learns from libstrophe when a connection fails.
EXTRA_DIST += docs/LIBSTROPHE.md
