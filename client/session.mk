# session.mk: the client's settings, session on libstrophe, commands, the
# cardx program and its man page, with their unit and end-to-end tests.
client_libcardx_la_SOURCES += client/settings.h client/settings.c \
	client/cliparse.h client/cliparse.c \
	client/session.h client/session.c \
	client/commands.h client/commands_int.h client/commands.c \
	client/cli_help.c client/cli_card.c client/cli_inbox.c \
	client/cli_contacts.c client/cli_online.c client/cli_shell.c

bin_PROGRAMS += client/cardx
client_cardx_SOURCES = client/main.c
nodist_EXTRA_client_cardx_SOURCES = dummy.cxx
client_cardx_LDADD = $(CARDX_LIBS)
dist_man1_MANS = client/cardx.1

# Pure logic (settings, the config file's mode check, command-line parsing)
# and the offline commands run through a command context.
check_PROGRAMS += tests/test_client_cli
tests_test_client_cli_SOURCES = tests/client/test_client_cli.c
nodist_EXTRA_tests_test_client_cli_SOURCES = dummy.cxx
tests_test_client_cli_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_client_cli_LDADD = $(CARDX_LIBS) $(CHECK_LIBS)
TESTS += tests/test_client_cli
VALGRIND_TESTS += tests/test_client_cli

# The cardx program driven like a user against Prosody and cardxd.
check_PROGRAMS += tests/test_client_e2e
tests_test_client_e2e_SOURCES = tests/test_client_e2e.c
tests_test_client_e2e_CPPFLAGS = $(TEST_CPPFLAGS)
tests_test_client_e2e_LDADD = $(HARNESS_LIBS) $(CHECK_LIBS)
EXTRA_tests_test_client_e2e_DEPENDENCIES = client/cardx$(EXEEXT) \
	component/cardxd$(EXEEXT)
TESTS += tests/test_client_e2e
