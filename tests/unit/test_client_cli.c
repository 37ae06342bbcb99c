/* Unit tests for the cardx client's pure logic: settings and the config
 * file's mode check, command-line parsing, and the offline commands run
 * directly through a command context. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/cardstore_updates.h"
#include "client/cliparse.h"
#include "client/cardstore.h"
#include "client/commands.h"
#include "client/settings.h"
#include "lib/lib_int.h"
#include "tests/lib/runner.h"

/* The store underneath the command context's, for cards put in as if
 * they had arrived. */
static struct cardstore *cmd_store(struct cardx_cmd *c, int *status)
{
    cardx_store *st = cmd_lib_store(c, status);

    return st ? lib_store_cardstore(st) : NULL;
}

/* An update arrived: in the inbox, marked as one. Returns as
 * cardstore_inbox_add(). */
static int cmd_store_update(struct cardstore *cs,
                            const struct cardstore_card *card,
                            const char *updates, const char *changed,
                            int64_t *id)
{
    int rc = cardstore_inbox_add(cs, card, id);

    if (rc == 1)
        ck_assert_int_eq(cardstore_update_mark(cs, *id, updates, changed), 0);
    return rc;
}

/* A fresh private directory; path receives its name. */
static void make_tmpdir(char path[PATH_MAX])
{
    const char *dir = getenv("TMPDIR");

    snprintf(path, PATH_MAX, "%s/cardx-cli-XXXXXX", dir ? dir : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(path));
}

static void remove_tree(const char *dir)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* --- settings --- */

START_TEST(server_forms)
{
    char *host;
    int port;

    ck_assert_int_eq(settings_parse_server("example.org", &host, &port), 0);
    ck_assert_str_eq(host, "example.org");
    ck_assert_int_eq(port, 0);
    free(host);
    ck_assert_int_eq(settings_parse_server("127.0.0.1:5223", &host, &port), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 5223);
    free(host);
    ck_assert_int_eq(settings_parse_server("[::1]:5222", &host, &port), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_int_eq(port, 5222);
    free(host);
    ck_assert_int_eq(settings_parse_server("[::1]", &host, &port), 0);
    ck_assert_str_eq(host, "::1");
    free(host);
}
END_TEST

START_TEST(server_rejects)
{
    static const char *const bad[] = {
        "",       "host:", "host:0", "host:65536", "host:12x", "::1",
        "a b:12", ":5222", "[]:1",   "[::1]x",     "host:+5",  "[;v1]",
        "[%2]:5", ";v1",   "a#b",    "[a]b]:1",
    };
    char *host;
    int port;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(settings_parse_server(bad[i], &host, &port) == CX_EINVAL,
                      "accepted '%s'", bad[i]);
        ck_assert_ptr_null(host);
    }
}
END_TEST

START_TEST(set_checks_values)
{
    struct cardx_settings *s = settings_new();
    char *err = NULL;

    ck_assert_int_eq(s->tls, 1);
    ck_assert_int_eq(s->timeout_ms, SETTINGS_DEFAULT_TIMEOUT_MS);
    ck_assert_int_eq(settings_set(s, "jid", "bob@example.org", &err), 0);
    ck_assert_str_eq(s->jid, "bob@example.org");
    ck_assert_int_eq(settings_set(s, "jid", "bob@example.org/phone", &err),
                     CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "user@domain"));
    free(err);
    ck_assert_int_eq(settings_set(s, "jid", "example.org", &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(settings_set(s, "tls", "no", &err), 0);
    ck_assert_int_eq(s->tls, 0);
    ck_assert_int_eq(settings_set(s, "tls", "maybe", &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(settings_set(s, "timeout", "3", &err), 0);
    ck_assert_int_eq(s->timeout_ms, 3000);
    ck_assert_int_eq(settings_set(s, "timeout", "0", &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(settings_set(s, "sync_quiet", "250", &err), 0);
    ck_assert_int_eq(s->quiet_ms, 250);
    ck_assert_int_eq(settings_set(s, "sync_quiet", "-1", &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(settings_set(s, "server", "h:99999", &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(settings_set(s, "colour", "red", &err), CX_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "unknown key 'colour'"));
    free(err);
    /* "" unsets */
    ck_assert_int_eq(settings_set(s, "jid", "", &err), 0);
    ck_assert_ptr_null(s->jid);
    settings_free(s);
}
END_TEST

/* Values settings_save could not write back as they are, found by
 * fuzz/fuzz_settings: a trailing space the file trims on reading, a
 * newline that would add a line of its own (a key of the attacker's
 * choosing), a ';' that starts a comment. Refused, with the key named. */
START_TEST(set_refuses_unsaveable_values)
{
    static const struct {
        const char *key, *value, *why;
    } bad[] = {
        {"phone", "+1 650 035 ", "bad phone: leading or trailing white space"},
        {"phone", " +1", "bad phone: leading or trailing white space"},
        {"phone", "+1\njid = eve@evil.example",
         "bad phone: control characters"},
        {"cafile", "/etc/ca.pem\r", "bad cafile: control characters"},
        {"cafile", "/etc/my ;ca.pem",
         "bad cafile: ';' first or after white space, which starts a comment"},
        {"server", ";xmpp.example.org",
         "bad server: ';' first or after white space, which starts a comment"},
        {"cafile", ";ca.pem",
         "bad cafile: ';' first or after white space, which starts a comment"},
        {"data_dir", "/tmp/x\x7f", "bad data_dir: control characters"},
        /* The message names the key, never the password itself. */
        {"password", "; pw",
         "bad password: ';' first or after white space, which starts a "
         "comment"},
        {"password", "pw ", "bad password: leading or trailing white space"},
    };
    struct cardx_settings *s = settings_new();
    char *err = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(settings_set(s, bad[i].key, bad[i].value, &err),
                         CX_EINVAL);
        ck_assert_str_eq(err, bad[i].why);
        free(err);
    }
    ck_assert_ptr_null(s->phone);
    ck_assert_int_eq(settings_set(s, "cafile", "/etc/my;ca file.pem", &err), 0);
    ck_assert_str_eq(s->cafile, "/etc/my;ca file.pem");
    settings_free(s);
}
END_TEST

START_TEST(component_default)
{
    struct cardx_settings *s = settings_new();
    char *err = NULL, *comp;

    ck_assert_ptr_null(settings_component(s));
    ck_assert_int_eq(settings_set(s, "jid", "bob@example.org", &err), 0);
    comp = settings_component(s);
    ck_assert_str_eq(comp, "cards.example.org");
    free(comp);
    ck_assert_int_eq(settings_set(s, "component", "cx.example.org", &err), 0);
    comp = settings_component(s);
    ck_assert_str_eq(comp, "cx.example.org");
    free(comp);
    settings_free(s);
}
END_TEST

START_TEST(xdg_paths)
{
    struct cardx_settings *s = settings_new();
    char *err = NULL;

    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
    ck_assert_int_eq(settings_default_paths(s, &err), 0);
    ck_assert_str_eq(s->data_dir, "/xdg/data/cardx");
    ck_assert_str_eq(s->config_path, "/xdg/config/cardx/cardx.conf");
    settings_free(s);

    s = settings_new();
    unsetenv("XDG_DATA_HOME");
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/bob", 1);
    ck_assert_int_eq(settings_default_paths(s, &err), 0);
    ck_assert_str_eq(s->data_dir, "/home/bob/.local/share/cardx");
    ck_assert_str_eq(s->config_path, "/home/bob/.config/cardx/cardx.conf");
    settings_free(s);
    unsetenv("XDG_CONFIG_HOME");
}
END_TEST

START_TEST(load_file)
{
    struct cardx_settings *s = settings_new();
    char dir[PATH_MAX], path[PATH_MAX + 16];
    char *err = NULL;

    make_tmpdir(dir);
    snprintf(path, sizeof(path), "%s/cardx.conf", dir);
    write_file(path,
               "; comment\n[account]\njid = bob@example.org\n"
               "password = s3cret\nserver = 127.0.0.1:5223\ntls = no\n"
               "timeout = 4\n",
               0600);
    ck_assert_int_eq(settings_load(s, path, 1, &err), 0);
    ck_assert_str_eq(s->jid, "bob@example.org");
    ck_assert_str_eq(s->password, "s3cret");
    ck_assert_int_eq(s->password_from, SETTINGS_FROM_FILE);
    ck_assert_str_eq(s->server_host, "127.0.0.1");
    ck_assert_int_eq(s->server_port, 5223);
    ck_assert_int_eq(s->tls, 0);
    ck_assert_int_eq(s->timeout_ms, 4000);
    settings_free(s);
    remove_tree(dir);
}
END_TEST

/* The file may hold the password: group or world access is refused. */
START_TEST(load_refuses_open_mode)
{
    struct cardx_settings *s = settings_new();
    char dir[PATH_MAX], path[PATH_MAX + 16];
    char *err = NULL;

    make_tmpdir(dir);
    snprintf(path, sizeof(path), "%s/cardx.conf", dir);
    write_file(path, "[account]\npassword = s3cret\n", 0644);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "0644"));
    ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
    ck_assert_ptr_null(s->password);
    free(err);
    ck_assert_int_eq(settings_check_mode(path, &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EINVAL);
    free(err);
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(settings_check_mode(path, &err), 0);
    ck_assert_int_eq(settings_load(s, path, 1, &err), 0);
    ck_assert_str_eq(s->password, "s3cret");
    settings_free(s);
    remove_tree(dir);
}
END_TEST

START_TEST(load_errors)
{
    struct cardx_settings *s = settings_new();
    char dir[PATH_MAX], path[PATH_MAX + 16];
    char *err = NULL;

    make_tmpdir(dir);
    snprintf(path, sizeof(path), "%s/cardx.conf", dir);
    /* missing: fine unless required */
    ck_assert_int_eq(settings_load(s, path, 0, &err), 0);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EIO);
    free(err);
    write_file(path, "[account]\njid = bob@example.org\n[other]\nx = 1\n",
               0600);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, ":4: unknown section [other]"));
    free(err);
    write_file(path, "[account]\n\ntls = perhaps\n", 0600);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, ":3: bad tls"));
    free(err);
    write_file(path, "[account\n", 0600);
    ck_assert_int_eq(settings_load(s, path, 1, &err), CX_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, ":1: syntax error"));
    free(err);
    settings_free(s);
    remove_tree(dir);
}
END_TEST

/* register saves the account 0600 and never writes a password that came
 * from the environment. */
START_TEST(save_round_trip)
{
    struct cardx_settings *s = settings_new(), *back = settings_new();
    char dir[PATH_MAX], path[PATH_MAX + 32];
    char *err = NULL;
    struct stat st;

    make_tmpdir(dir);
    snprintf(path, sizeof(path), "%s/sub/dir/cardx.conf", dir);
    s->config_path = strdup(path);
    ck_assert_int_eq(settings_set(s, "jid", "bob@example.org", &err), 0);
    ck_assert_int_eq(settings_set(s, "server", "[::1]:5223", &err), 0);
    ck_assert_int_eq(settings_set(s, "phone", "+8613800138000", &err), 0);
    ck_assert_int_eq(settings_set(s, "tls", "no", &err), 0);
    ck_assert_int_eq(settings_set(s, "cafile", "/etc/ca.pem", &err), 0);
    ck_assert_int_eq(settings_set(s, "password", "from-env", &err), 0);
    s->password_from = SETTINGS_FROM_ENV;
    ck_assert_int_eq(settings_save(s, &err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(settings_load(back, path, 1, &err), 0);
    ck_assert_str_eq(back->jid, "bob@example.org");
    ck_assert_str_eq(back->server_host, "::1");
    ck_assert_int_eq(back->server_port, 5223);
    ck_assert_str_eq(back->phone, "+8613800138000");
    ck_assert_int_eq(back->tls, 0);
    ck_assert_str_eq(back->cafile, "/etc/ca.pem");
    ck_assert_ptr_null(back->password);
    settings_free(back);
    /* A password the file held stays there, even when the environment
     * gave another one for this run. */
    s->file_password = strdup("from-file");
    ck_assert_int_eq(settings_save(s, &err), 0);
    back = settings_new();
    ck_assert_int_eq(settings_load(back, path, 1, &err), 0);
    ck_assert_str_eq(back->password, "from-file");
    ck_assert_str_eq(back->file_password, "from-file");
    settings_free(back);
    /* An IPv6 server without a port keeps its brackets (found by
     * fuzz/fuzz_settings: saved bare, the file no longer loaded). */
    ck_assert_int_eq(settings_set(s, "server", "[::1]", &err), 0);
    ck_assert_int_eq(settings_save(s, &err), 0);
    back = settings_new();
    ck_assert_int_eq(settings_load(back, path, 1, &err), 0);
    ck_assert_str_eq(back->server_host, "::1");
    ck_assert_int_eq(back->server_port, 0);
    settings_free(back);
    settings_free(s);
    remove_tree(dir);
}
END_TEST

/* The settings of account jid with data directory data (dir_given: from
 * the command line) and the config file config. */
static struct cardx_settings *account(const char *jid, const char *data,
                                      int dir_given, const char *config,
                                      int *rc)
{
    struct cardx_settings *s = settings_new();
    char *err = NULL;

    ck_assert_ptr_nonnull(s);
    s->config_path = strdup(config);
    if (jid)
        ck_assert_int_eq(settings_set(s, "jid", jid, &err), 0);
    ck_assert_int_eq(settings_set(s, "data_dir", data, &err), 0);
    *rc = settings_load_account(s, dir_given, 0, &err);
    ck_assert_msg((*rc == 0) == (err == NULL), "rc %d err %s", *rc, err);
    free(err);
    return s;
}

/* After one account ran, another one's JID does not pick up its server or
 * component: each account's settings live beside its cards. */
START_TEST(settings_per_account)
{
    char dir[PATH_MAX], config[PATH_MAX + 16], a[PATH_MAX + 16],
        b[PATH_MAX + 16];
    struct cardx_settings *s;
    char *err = NULL;
    int rc;

    make_tmpdir(dir);
    snprintf(config, sizeof config, "%s/cardx.conf", dir);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    /* An older cardx saved alice's account in the config file. */
    write_file(config,
               "[account]\njid = alice@localhost\nserver = 10.0.0.1\n"
               "component = cards.example.test\ntimeout = 7\n",
               0600);

    /* alice registers: her settings go beside her cards. */
    s = account("alice@localhost", a, 1, config, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(s->component, "cards.example.test");
    ck_assert_ptr_nonnull(strstr(s->account_path, "/a/account.conf"));
    ck_assert_int_eq(settings_set(s, "server", "127.0.0.1:5299", &err), 0);
    ck_assert_int_eq(settings_save(s, &err), 0);
    settings_free(s);

    /* bob, with a data directory of his own, inherits none of it. */
    s = account("bob@localhost", b, 1, config, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(s->server_host);
    ck_assert_ptr_null(s->component);
    ck_assert_int_eq(s->timeout_ms, SETTINGS_DEFAULT_TIMEOUT_MS);
    settings_free(s);

    /* alice's data directory alone names her account and its server. */
    s = account(NULL, a, 1, config, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(s->jid, "alice@localhost");
    ck_assert_str_eq(s->server_host, "127.0.0.1");
    ck_assert_int_eq(s->server_port, 5299);
    settings_free(s);

    /* bob in alice's data directory would mix their cards: refused. */
    s = account("bob@localhost", a, 0, config, &rc);
    ck_assert_int_eq(rc, CX_EINVAL);
    settings_free(s);

    /* A config file naming no account applies to every account. */
    write_file(config, "[account]\ntimeout = 7\n", 0600);
    s = account("bob@localhost", b, 1, config, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(s->timeout_ms, 7000);
    settings_free(s);
    remove_tree(dir);
}
END_TEST

/* --- command-line parsing --- */

static void assert_split(const char *line, int n, const char *const *want)
{
    char **argv = NULL, *err = NULL;

    ck_assert_int_eq(cliparse_split(line, &argv, &err), n);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(argv[i], want[i]);
    ck_assert_ptr_null(argv[n]);
    cliparse_free(argv);
}

START_TEST(split_quoting)
{
    static const char *const w1[] = {"card", "set", "name=Alice Wang",
                                     "org=Changhong"};
    static const char *const w2[] = {"send", "+86 138", "--note",
                                     "it's \"fine\""};
    static const char *const w3[] = {"a b", "c\\d", ""};
    static const char *const w4[] = {"inbox"};

    assert_split("card set name=\"Alice Wang\" org=Changhong", 4, w1);
    assert_split("  send '+86 138' --note \"it's \\\"fine\\\"\"  ", 4, w2);
    assert_split("a\\ b 'c\\d' ''", 3, w3);
    assert_split("inbox # list everything", 1, w4);
    assert_split("   ", 0, NULL);
    assert_split("", 0, NULL);
}
END_TEST

START_TEST(split_unterminated)
{
    char **argv = (char **)1, *err = NULL;

    ck_assert_int_eq(cliparse_split("card set name=\"Alice", &argv, &err),
                     CX_EINVAL);
    ck_assert_ptr_null(argv);
    ck_assert_str_eq(err, "unterminated quote");
    free(err);
}
END_TEST

START_TEST(assignments)
{
    const char *field, *value;

    /* what the shell leaves of name="Alice Wang" */
    ck_assert_int_eq(cliparse_assignment("name=Alice Wang", &field, &value), 0);
    ck_assert_str_eq(field, "name");
    ck_assert_str_eq(value, "Alice Wang");
    ck_assert_int_eq(cliparse_assignment("ORG=a=b", &field, &value), 0);
    ck_assert_str_eq(field, "org");
    ck_assert_str_eq(value, "a=b");
    ck_assert_int_eq(cliparse_assignment("email=", &field, &value), 0);
    ck_assert_str_eq(field, "email");
    ck_assert_str_eq(value, "");
    ck_assert_int_eq(cliparse_assignment("name", &field, &value), CX_EINVAL);
    ck_assert_int_eq(cliparse_assignment("=x", &field, &value), CX_EINVAL);
    ck_assert_int_eq(cliparse_assignment("nick=Al", &field, &value),
                     CX_ENOTFOUND);
    ck_assert_int_eq(cliparse_assignment("names=Al", &field, &value),
                     CX_ENOTFOUND);
}
END_TEST

/* --- offline commands through a context --- */

/* A command context on a fresh data directory, with captured output. */
struct fixture {
    char dir[PATH_MAX];
    struct cardx_settings *s;
    struct cardx_cmd *c;
    FILE *in, *out, *err;
    char *out_text, *err_text;
    size_t out_len, err_len;
};

static void fx_open(struct fixture *fx)
{
    char path[PATH_MAX + 16];

    memset(fx, 0, sizeof(*fx));
    make_tmpdir(fx->dir);
    fx->s = settings_new();
    fx->s->data_dir = strdup(fx->dir);
    snprintf(path, sizeof(path), "%s/cardx.conf", fx->dir);
    fx->s->config_path = strdup(path);
    fx->in = fopen("/dev/null", "r");
    fx->out = open_memstream(&fx->out_text, &fx->out_len);
    fx->err = open_memstream(&fx->err_text, &fx->err_len);
    ck_assert_ptr_nonnull(fx->in);
    fx->c = cmd_new(fx->s, fx->in, fx->out, fx->err);
    ck_assert_ptr_nonnull(fx->c);
}

static void fx_close(struct fixture *fx)
{
    cmd_free(fx->c);
    settings_free(fx->s);
    fclose(fx->in);
    fclose(fx->out);
    fclose(fx->err);
    free(fx->out_text);
    free(fx->err_text);
    remove_tree(fx->dir);
}

/* Runs a command line (split like the shell does); output since the last
 * run is in fx->out_text and fx->err_text. */
static int fx_run(struct fixture *fx, const char *line)
{
    char **argv = NULL, *err = NULL;
    int argc = cliparse_split(line, &argv, &err);
    int status;

    ck_assert_int_gt(argc, 0);
    fflush(fx->out);
    fflush(fx->err);
    rewind(fx->out);
    rewind(fx->err);
    status = cmd_run(fx->c, argc, argv);
    fputc('\0', fx->out);
    fputc('\0', fx->err);
    fflush(fx->out);
    fflush(fx->err);
    cliparse_free(argv);
    return status;
}

static void assert_has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part), "'%s' not in '%s'", part, text);
}

START_TEST(card_offline)
{
    struct fixture fx;

    fx_open(&fx);
    ck_assert_int_eq(fx_run(&fx, "card show"), 0);
    assert_has(fx.out_text, "no card yet");
    ck_assert_int_eq(fx_run(&fx, "card set name=\"Alice Wang\" org=Changhong"),
                     0);
    assert_has(fx.out_text, "saved locally; not uploaded (no account yet");
    ck_assert_int_eq(fx_run(&fx, "card set title=CEO org="), 0);
    ck_assert_int_eq(fx_run(&fx, "card"), 0);
    assert_has(fx.out_text, "name     Alice Wang\n");
    assert_has(fx.out_text, "title    CEO\n");
    ck_assert_ptr_null(strstr(fx.out_text, "Changhong"));
    assert_has(fx.out_text, "(not uploaded yet");
    ck_assert_int_eq(fx_run(&fx, "card set nick=Al"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "cardx: unknown field in 'nick=Al'");
    ck_assert_int_eq(fx_run(&fx, "card set name"), CARDX_EXIT_USAGE);
    fx_close(&fx);
}
END_TEST

START_TEST(online_needs_account)
{
    struct fixture fx;

    fx_open(&fx);
    ck_assert_int_eq(fx_run(&fx, "send +8613800138000"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "cardx: no account: give --jid");
    fx.s->jid = strdup("bob@example.org");
    ck_assert_int_eq(fx_run(&fx, "sync"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "cardx: no password for bob@example.org");
    ck_assert_int_eq(fx_run(&fx, "send"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "usage: cardx send NUMBER");
    fx_close(&fx);
}
END_TEST

START_TEST(help_and_unknown)
{
    struct fixture fx;

    fx_open(&fx);
    ck_assert_int_eq(fx_run(&fx, "help send"), 0);
    assert_has(fx.out_text, "usage: cardx send NUMBER [--note TEXT]");
    ck_assert_int_eq(fx_run(&fx, "inbox --help"), 0);
    assert_has(fx.out_text, "cardx inbox save N...");
    ck_assert_int_eq(fx_run(&fx, "help"), 0);
    assert_has(fx.out_text, "contacts");
    ck_assert_int_eq(fx_run(&fx, "frobnicate"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "unknown command 'frobnicate'");
    ck_assert_int_eq(fx_run(&fx, "help frobnicate"), CARDX_EXIT_USAGE);
    fx_close(&fx);
}
END_TEST

static void add_inbox_card(struct cardstore *cs, const char *card_id,
                           const char *phone, const char *name)
{
    struct cardstore_card card = {0};

    card.card_id = (char *)card_id;
    card.sender_phone = (char *)phone;
    card.received = 1700000000;
    card.f.name = (char *)name;
    card.f.phone = (char *)phone;
    ck_assert_int_eq(cardstore_inbox_add(cs, &card, NULL), 1);
}

/* A contact with the same number: non-interactive save needs a flag. */
START_TEST(inbox_save_flags)
{
    struct fixture fx;
    struct cardstore *cs;
    int status;

    fx_open(&fx);
    cs = cmd_store(fx.c, &status);
    ck_assert_ptr_nonnull(cs);
    add_inbox_card(cs, "card-1", "+8613800138000", "Alice Wang");
    add_inbox_card(cs, "card-2", "+8613800138000", "Alice W.");
    add_inbox_card(cs, "card-3", "+8613800138000", "Alice");
    ck_assert_int_eq(fx_run(&fx, "inbox"), 0);
    assert_has(fx.out_text, "#1");
    assert_has(fx.out_text, "Alice W.");
    /* The sender's number as people read it; the store keeps E.164. */
    assert_has(fx.out_text, "+86 138 0013 8000");
    ck_assert_int_eq(fx_run(&fx, "inbox save 1"), 0);
    assert_has(fx.out_text, "saved inbox #1 as contact 1");
    ck_assert_int_eq(fx_run(&fx, "inbox save 2"), CARDX_EXIT_USAGE);
    assert_has(fx.err_text, "add --merge to merge into it or --new");
    ck_assert_int_eq(fx_run(&fx, "inbox save 2 --merge"), 0);
    assert_has(fx.out_text, "merged inbox #2 into contact 1");
    ck_assert_int_eq(fx_run(&fx, "inbox save --all --new"), 0);
    assert_has(fx.out_text, "saved inbox #3 as contact 2");
    ck_assert_int_eq(fx_run(&fx, "inbox"), 0);
    assert_has(fx.out_text, "the inbox is empty");
    ck_assert_int_eq(fx_run(&fx, "contacts search alice"), 0);
    assert_has(fx.out_text, "Alice W.");
    ck_assert_int_eq(fx_run(&fx, "inbox show 1"), CARDX_EXIT_ERROR);
    assert_has(fx.err_text, "no card #1 in the inbox");
    fx_close(&fx);
}
END_TEST

static int pending_of(void *ud, const char *phone, int receive)
{
    char *out = ud;

    snprintf(out + strlen(out), 64, "%s=%d;", phone, receive);
    return 0;
}

/* An update, offline: stored as one, listed with what changed, merged
 * into the contact saved from the earlier card with the user's own edit
 * kept; deleting cards and contacts queues updates off, saving on. */
START_TEST(inbox_update_merge)
{
    struct fixture fx;
    struct cardstore *cs;
    struct cardstore_card up = {0};
    char pending[256] = "", line[64];
    int64_t id = 0;
    int status;

    fx_open(&fx);
    cs = cmd_store(fx.c, &status);
    ck_assert_ptr_nonnull(cs);
    add_inbox_card(cs, "card-1", "+8613800138000", "Alice Wang");
    ck_assert_int_eq(fx_run(&fx, "inbox save 1"), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts edit 1 note=\"met in Mianyang\""),
                     0);
    up.card_id = "card-2";
    up.sender_phone = "+8613800138000";
    up.received = 1700000100;
    up.f.name = "Alice Wang";
    up.f.phone = "+8613800138000";
    up.f.title = "Director";
    ck_assert_int_eq(cmd_store_update(cs, &up, "card-1", "title", &id), 1);
    snprintf(line, sizeof(line), "inbox save %lld", (long long)id);
    ck_assert_int_eq(fx_run(&fx, "inbox"), 0);
    assert_has(fx.out_text, "update (changed: title)");
    ck_assert_msg(fx_run(&fx, line) == 0, "%s", fx.err_text);
    assert_has(fx.out_text, "into contact 1 (changed: title)");
    ck_assert_int_eq(fx_run(&fx, "contacts show 1"), 0);
    assert_has(fx.out_text, "title    Director");
    assert_has(fx.out_text, "met in Mianyang");
    ck_assert_int_eq(cardstore_pending_each(cs, pending_of, pending), 0);
    ck_assert_str_eq(pending, "+8613800138000=1;");

    add_inbox_card(cs, "card-3", "+8613900139000", "Bob Li");
    ck_assert_int_eq(fx_run(&fx, "inbox delete 1"), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts delete 1"), 0);
    pending[0] = '\0';
    ck_assert_int_eq(cardstore_pending_each(cs, pending_of, pending), 0);
    ck_assert_str_eq(pending, "+8613800138000=0;+8613900139000=0;");
    ck_assert_int_eq(fx_run(&fx, "contacts updates 1 maybe"), CARDX_EXIT_USAGE);
    fx_close(&fx);
}
END_TEST

/* contacts search shows the best 50 and says how many more there are. */
START_TEST(search_limits)
{
    struct fixture fx;
    char path[PATH_MAX + 16], line[PATH_MAX + 64];
    FILE *f;

    fx_open(&fx);
    snprintf(path, sizeof(path), "%s/many.vcf", fx.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 60; i++)
        fprintf(f,
                "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Tester %d\r\n"
                "END:VCARD\r\n",
                i);
    fclose(f);
    snprintf(line, sizeof(line), "import '%s'", path);
    ck_assert_int_eq(fx_run(&fx, line), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts search Tester"), 0);
    assert_has(fx.out_text, "and 10 more (use --all or --limit N)");
    ck_assert_int_eq(fx_run(&fx, "contacts search --limit 5 Tester"), 0);
    assert_has(fx.out_text, "and 55 more");
    ck_assert_int_eq(fx_run(&fx, "contacts search --all Tester"), 0);
    ck_assert_ptr_null(strstr(fx.out_text, "more (use"));
    assert_has(fx.out_text, "Tester 59");
    ck_assert_int_eq(fx_run(&fx, "contacts search --limit 0 Tester"),
                     CARDX_EXIT_USAGE);
    fx_close(&fx);
}
END_TEST

START_TEST(import_export)
{
    struct fixture fx;
    char good[PATH_MAX + 16], bad[PATH_MAX + 16], out[PATH_MAX + 16];
    char line[PATH_MAX + 64];

    fx_open(&fx);
    snprintf(good, sizeof(good), "%s/good.vcf", fx.dir);
    snprintf(bad, sizeof(bad), "%s/bad.vcf", fx.dir);
    snprintf(out, sizeof(out), "%s/out.vcf", fx.dir);
    write_file(good,
               "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dan Li\r\n"
               "TEL:+8613600136000\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Eve Zhao\r\nORG:Haier\r\n"
               "END:VCARD\r\n",
               0600);
    write_file(bad,
               "BEGIN:VCARD\nFN:Fay\nEND:VCARD\nBEGIN:VCARD\nFN:Gus\n"
               "broken line\nEND:VCARD\n",
               0600);
    snprintf(line, sizeof(line), "import '%s'", bad);
    ck_assert_int_eq(fx_run(&fx, line), CARDX_EXIT_ERROR);
    assert_has(fx.err_text, "line 6");
    assert_has(fx.err_text, "nothing imported");
    ck_assert_int_eq(fx_run(&fx, "contacts"), 0);
    assert_has(fx.out_text, "no contacts yet");
    snprintf(line, sizeof(line), "import '%s'", good);
    ck_assert_int_eq(fx_run(&fx, line), 0);
    assert_has(fx.out_text, "imported 2 contacts");
    ck_assert_int_eq(fx_run(&fx, "contacts edit 2 title=Boss"), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts show 2"), 0);
    assert_has(fx.out_text, "title    Boss");
    ck_assert_int_eq(fx_run(&fx, "contacts edit 2 bogus=1"), CARDX_EXIT_USAGE);
    snprintf(line, sizeof(line), "export '%s'", out);
    ck_assert_int_eq(fx_run(&fx, line), 0);
    assert_has(fx.out_text, "exported 2 contacts");
    ck_assert_int_eq(fx_run(&fx, "contacts delete 1 2"), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts delete 1"), CARDX_EXIT_ERROR);
    snprintf(line, sizeof(line), "import '%s'", out);
    ck_assert_int_eq(fx_run(&fx, line), 0);
    ck_assert_int_eq(fx_run(&fx, "contacts search boss"), 0);
    assert_has(fx.out_text, "Eve Zhao");
    fx_close(&fx);
}
END_TEST

static Suite *client_cli_suite(void)
{
    Suite *s = suite_create("client_cli");
    TCase *tc = tcase_create("settings");
    TCase *tp = tcase_create("parse");
    TCase *tk = tcase_create("commands");

    tcase_add_test(tc, server_forms);
    tcase_add_test(tc, server_rejects);
    tcase_add_test(tc, set_checks_values);
    tcase_add_test(tc, set_refuses_unsaveable_values);
    tcase_add_test(tc, component_default);
    tcase_add_test(tc, xdg_paths);
    tcase_add_test(tc, load_file);
    tcase_add_test(tc, load_refuses_open_mode);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, save_round_trip);
    tcase_add_test(tc, settings_per_account);
    tcase_add_test(tp, split_quoting);
    tcase_add_test(tp, split_unterminated);
    tcase_add_test(tp, assignments);
    tcase_add_test(tk, card_offline);
    tcase_add_test(tk, online_needs_account);
    tcase_add_test(tk, help_and_unknown);
    tcase_add_test(tk, inbox_save_flags);
    tcase_add_test(tk, inbox_update_merge);
    tcase_add_test(tk, import_export);
    tcase_add_test(tk, search_limits);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tp);
    suite_add_tcase(s, tk);
    return s;
}

TEST_MAIN(client_cli_suite)
