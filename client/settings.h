/* cardx's connection settings: defaults, XDG paths, the INI config file. */
#ifndef CARDX_CLIENT_SETTINGS_H
#define CARDX_CLIENT_SETTINGS_H

#include "common/errors.h"

/* Defaults, stated once. */
#define SETTINGS_DEFAULT_PORT 5222
#define SETTINGS_DEFAULT_TIMEOUT_MS 10000
#define SETTINGS_DEFAULT_QUIET_MS 1500
#define SETTINGS_COMPONENT_PREFIX "cards."
#define SETTINGS_CONFIG_NAME "cardx.conf"
#define SETTINGS_ACCOUNT_NAME "account.conf"
#define SETTINGS_STORE_NAME "cards.sqlite"

/* Where a value came from; a later source only overrides an earlier one. */
enum settings_source {
    SETTINGS_FROM_DEFAULT = 0,
    SETTINGS_FROM_FILE,
    SETTINGS_FROM_ENV,
    SETTINGS_FROM_CLI,
};

/* Everything a command needs to reach the service and the local store.
 * Strings are owned by the struct and may be NULL (unset). */
struct cardx_settings {
    char *jid;         /* bare JID of the account */
    char *password;    /* never written back unless it came from the file */
    char *server_host; /* NULL: the JID's domain (SRV records, then :5222) */
    int server_port;   /* 0 with server_host NULL */
    char *component;   /* cardxd's JID; NULL: "cards." + the JID's domain */
    char *phone;       /* the number registered with cardxd (informational) */
    char *cafile;      /* extra CA certificates (PEM) to trust, or NULL */
    int tls;           /* 1: TLS required (default); 0: plaintext only */
    int timeout_ms;    /* connecting and each request */
    int quiet_ms;      /* sync: no new card for this long means done */
    char *data_dir;    /* the card store's directory */
    char *config_path; /* the INI file */
    enum settings_source password_from;
    char *file_password; /* as the file had it: what settings_save keeps */
    char *account_path;  /* the account's own file in data_dir, or NULL */
};

/* Defaults: TLS required, the timeouts above, no paths. NULL on allocation
 * failure. */
struct cardx_settings *settings_new(void);

/* Frees the settings (the password is wiped first). Accepts NULL. */
void settings_free(struct cardx_settings *s);

/* Sets one key as the config file names it: jid, password, server
 * (HOST[:PORT]), component, phone, tls (yes/no), cafile, timeout
 * (seconds), sync_quiet (milliseconds), data_dir. Values are checked; "" unsets
 * a string. Free-form values (jid, server, component, phone, cafile,
 * data_dir) are refused when the file could not hold them as they are
 * (control characters, white space around them, a ';' first or after white
 * space), so what settings_save writes loads back the same; the password is
 * not checked, as it is saved only when it came from the file. Returns 0, or
 * with *err (caller frees) saying why CX_EINVAL for a bad value, CX_ENOTFOUND
 * for an unknown key, CX_ENOMEM. */
int settings_set(struct cardx_settings *s, const char *key, const char *value,
                 char **err);

/* Fills data_dir and config_path where still NULL from $XDG_DATA_HOME and
 * $XDG_CONFIG_HOME (else ~/.local/share and ~/.config, from $HOME), with
 * "/cardx" appended. Returns 0, or with *err CX_EINVAL (no $HOME) or
 * CX_ENOMEM. */
int settings_default_paths(struct cardx_settings *s, char **err);

/* 0 when the file at path is a regular file that neither group nor others
 * can read or write; else CX_EINVAL with *err naming the mode and the fix,
 * or CX_EIO when it cannot be looked at. */
int settings_check_mode(const char *path, char **err);

/* Reads the INI file at path (keys in [account], see settings_set) over s.
 * A missing file is fine unless must_exist. The file is refused unless
 * settings_check_mode() accepts it. Unknown sections or keys are errors.
 * Returns 0, or with *err ("path:line: why") CX_EIO when it cannot be read,
 * CX_EINVAL when it is refused or wrong (or settings_set's code); s may be
 * partly updated on error. */
int settings_load(struct cardx_settings *s, const char *path, int must_exist,
                  char **err);

/* Loads the files of the account in use over s, which holds the command
 * line's options (dir_given: data_dir came from there) and the default
 * paths. Settings belong to an account: the config file (config_path),
 * then the account file DATA_DIR/account.conf, which
 * settings_save writes unless config_given. The account is the JID of the
 * command line, else the account file's, else the config file's; a file
 * that names another JID is not applied at all, so one account never runs
 * with another's server or component. A data directory whose account file
 * names another JID is refused (CX_EINVAL): its cards are that account's.
 * Returns 0 or settings_load's codes, with *err. */
int settings_load_account(struct cardx_settings *s, int dir_given,
                          int config_given, char **err);

/* Writes jid, server, component, phone, tls and the password the file
 * held (file_password; a password from elsewhere is never written) to
 * s->account_path, else s->config_path, with mode 0600, creating its
 * directory; atomically replaces an existing file. Returns 0, or CX_EIO
 * or CX_ENOMEM with *err. */
int settings_save(const struct cardx_settings *s, char **err);

/* Splits "HOST", "HOST:PORT" or "[V6ADDR]:PORT". *host is the caller's to
 * free; *port is 0 when absent. Returns 0, CX_EINVAL when malformed, or
 * CX_ENOMEM. */
int settings_parse_server(const char *value, char **host, int *port);

/* The component JID: s->component, else "cards." + the JID's domain. NULL
 * when neither is known or on allocation failure; the caller frees it. */
char *settings_component(const struct cardx_settings *s);

/* DATA_DIR/cards.sqlite, creating DATA_DIR (mode 0700) when missing. The
 * caller frees the result; NULL with *err on failure. */
char *settings_store_path(const struct cardx_settings *s, char **err);

#endif
