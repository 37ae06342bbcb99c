# sql/: numbered migrations, embedded into the programs at build time.
# embed.sh turns sql/NAME/NNN_*.sql into sql/NAME_migrations.c; each store
# compiles that file and $(MIGRATE_SOURCES) (migrate_apply, and sqlutil_open
# that applies them) into its own library.
MIGRATE_SOURCES = sql/migrations.h sql/migrate.c sql/sqlutil.h sql/sqlutil.c
SQL_EMBED = $(SHELL) $(top_srcdir)/sql/embed.sh
EXTRA_DIST += sql/embed.sh

COMPONENT_SQL = sql/component/001_init.sql sql/component/002_handoff.sql \
	sql/component/003_verify.sql sql/component/004_limits.sql \
	sql/component/005_privacy.sql sql/component/006_consent.sql \
	sql/component/007_updates.sql sql/component/008_language.sql \
	sql/component/009_instances.sql sql/component/010_adhoc_runs.sql
# PostgreSQL's twin of COMPONENT_SQL, numbered on its own (001 is the
# whole schema of SQLite's 001..008).
COMPONENT_PG_SQL = sql/component-pg/001_init.sql \
	sql/component-pg/002_instances.sql sql/component-pg/003_adhoc_runs.sql
CLIENT_SQL = sql/client/001_init.sql sql/client/002_updates.sql \
	sql/client/003_trigram.sql
EXTRA_DIST += $(COMPONENT_SQL) $(COMPONENT_PG_SQL) $(CLIENT_SQL)
BUILT_SOURCES += sql/component_migrations.c sql/component_pg_migrations.c \
	sql/client_migrations.c
CLEANFILES += sql/component_migrations.c sql/component_pg_migrations.c \
	sql/client_migrations.c
sql/component_migrations.c: $(COMPONENT_SQL) sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) sql && files= && \
	for f in $(COMPONENT_SQL); do files="$$files $(srcdir)/$$f"; done && \
	$(SQL_EMBED) component_migrations $$files > $@.tmp && mv $@.tmp $@
sql/component_pg_migrations.c: $(COMPONENT_PG_SQL) sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) sql && files= && \
	for f in $(COMPONENT_PG_SQL); do files="$$files $(srcdir)/$$f"; done && \
	$(SQL_EMBED) component_pg_migrations $$files > $@.tmp && mv $@.tmp $@
sql/client_migrations.c: $(CLIENT_SQL) sql/embed.sh
	$(AM_V_GEN)$(MKDIR_P) sql && files= && \
	for f in $(CLIENT_SQL); do files="$$files $(srcdir)/$$f"; done && \
	$(SQL_EMBED) client_migrations $$files > $@.tmp && mv $@.tmp $@
