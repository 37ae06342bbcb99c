/* Unit tests for cardxd's configuration: defaults, loading, validation. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "component/config.h"
#include "tests/lib/runner.h"

#define FIXTURES SRCDIR "/tests/unit/data/config/"
#define EXAMPLE SRCDIR "/component/cardxd.conf.example"

/* Writes len bytes to a fresh temporary file; path receives its name. */
static void write_temp_n(const char *text, size_t len, char path[PATH_MAX])
{
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(path, PATH_MAX, "%s/cardx-config-XXXXXX", dir ? dir : "/tmp");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    ck_assert_int_eq(close(fd), 0);
}

static void write_temp(const char *text, char path[PATH_MAX])
{
    write_temp_n(text, strlen(text), path);
}

/* Loads text into a default config; returns config_load()'s result. */
static int load_text(struct cardxd_config *cfg, const char *text, char **err)
{
    char path[PATH_MAX];
    int rc;

    write_temp(text, path);
    rc = config_load(cfg, path, err);
    unlink(path);
    return rc;
}

START_TEST(defaults_documented)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_ptr_nonnull(cfg);
    ck_assert_ptr_null(cfg->domain);
    ck_assert_ptr_null(cfg->secret);
    ck_assert_str_eq(cfg->host, "127.0.0.1");
    ck_assert_int_eq(cfg->port, 5347);
    ck_assert_int_eq(cfg->reconnect_min_ms, 500);
    ck_assert_int_eq(cfg->reconnect_max_ms, 30000);
    ck_assert_int_eq(cfg->keepalive_ms, 30000);
    ck_assert_int_eq(cfg->read_timeout_ms, 90000);
    ck_assert_str_eq(cfg->user_domains, "");
    /* Under the state directory, never relative to the working one. */
    ck_assert_ptr_nonnull(strstr(cfg->database, "/lib/cardxd/cardxd.sqlite"));
    ck_assert_int_eq(cfg->database[0], '/');
    ck_assert_str_eq(cfg->synchronous, "normal");
    ck_assert_str_eq(cfg->default_region, "");
    ck_assert_uint_eq(cfg->vcard_max_bytes, 65536);
    ck_assert_uint_eq(cfg->stanza_max_bytes, 1048576);
    ck_assert_int_eq(cfg->fetch_timeout_ms, 5000);
    ck_assert_int_eq(cfg->max_attempts, 10);
    ck_assert_int_eq(cfg->sends_per_minute, 20);
    ck_assert_int_eq(cfg->sends_per_day, 500);
    ck_assert_int_eq(cfg->lookups_per_day, 100);
    ck_assert_int_eq(cfg->inbox_max, 200);
    ck_assert_int_eq(cfg->inbox_ttl_ms, 30LL * 86400000);
    ck_assert_int_eq(cfg->handoff_grace_ms, 86400000);
    ck_assert_int_eq(cfg->busy_timeout_ms, 250);
    ck_assert_int_eq(cfg->check_timeout_ms, 30000);
    ck_assert_int_eq(cfg->query_timeout_ms, 5000);
    /* No default way of proving numbers: the admin must choose. */
    ck_assert_ptr_null(cfg->verify_method);
    ck_assert_ptr_null(cfg->verify_command);
    ck_assert_int_eq(cfg->verify_command_timeout_ms, 30000);
    ck_assert_int_eq(cfg->verify_code_ttl_ms, 600000);
    ck_assert_int_eq(cfg->verify_max_tries, 5);
    ck_assert_int_eq(cfg->verify_codes_per_day, 5);
    ck_assert_str_eq(cfg->unknown_numbers, "reject");
    ck_assert_int_eq(config_hold_unknown(cfg), 0);
    ck_assert_str_eq(cfg->reveal_online, "no");
    ck_assert_str_eq(strstr(cfg->locale_dir, "/share/locale"), "/share/locale");
    ck_assert_int_eq(config_reveal_online(cfg), 0);
    ck_assert_int_eq(cfg->log_level, LOG_LEVEL_INFO);
    ck_assert_ptr_null(cfg->log_file);
    /* Nobody is an admin; no metrics endpoint. */
    ck_assert_str_eq(cfg->admins, "");
    ck_assert_int_eq(config_is_admin(cfg, "root@example.test"), 0);
    ck_assert_str_eq(cfg->metrics_listen, "");
    /* One instance named at random, renewing a 30 s lease every 5 s. */
    ck_assert_str_eq(cfg->instance, "");
    ck_assert_int_eq(cfg->lease_ms, 30000);
    ck_assert_int_eq(cfg->heartbeat_ms, 5000);
    /* The defaults alone are not enough: domain and secret are required. */
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_str_eq(err, "missing required key 'domain' in [component]");
    free(err);
    config_free(cfg);
    config_free(NULL);
}
END_TEST

START_TEST(example_loads_and_validates)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(config_load(cfg, EXAMPLE, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(cfg->domain, "cards.localhost");
    ck_assert_str_eq(cfg->secret, "change-me");
    ck_assert_str_eq(cfg->host, "127.0.0.1");
    ck_assert_int_eq(cfg->port, 5347);
    config_free(cfg);
}
END_TEST

/* The example's commented-out ";key = value" lines must state the real
 * defaults: uncommented, they change nothing. */
START_TEST(example_states_defaults)
{
    struct cardxd_config *ref = config_new();
    struct cardxd_config *cfg = config_new();
    FILE *in = fopen(EXAMPLE, "r");
    char *text = NULL, *err = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    char line[512];
    int shown = 0;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    while (fgets(line, sizeof(line), in)) {
        int commented = line[0] == ';' && line[1] >= 'a' && line[1] <= 'z';

        shown += commented;
        fputs(commented ? line + 1 : line, out);
    }
    fclose(in);
    fclose(out);
    /* Every key but domain, secret and [verify] method, which the example
     * sets, and [verify] command, [storage] dsn and [log] file, which have
     * no default. */
    ck_assert_int_eq(shown, 37);
    ck_assert_int_eq(load_text(cfg, text, &err), 0);
    ck_assert_str_eq(cfg->host, ref->host);
    ck_assert_int_eq(cfg->port, ref->port);
    ck_assert_int_eq(cfg->reconnect_min_ms, ref->reconnect_min_ms);
    ck_assert_int_eq(cfg->reconnect_max_ms, ref->reconnect_max_ms);
    ck_assert_int_eq(cfg->keepalive_ms, ref->keepalive_ms);
    ck_assert_int_eq(cfg->read_timeout_ms, ref->read_timeout_ms);
    ck_assert_str_eq(cfg->user_domains, ref->user_domains);
    ck_assert_str_eq(cfg->admins, ref->admins);
    ck_assert_str_eq(cfg->metrics_listen, ref->metrics_listen);
    /* The example names a system install's state directory; the default
     * follows the build's --localstatedir, so only the file is compared. */
    ck_assert_str_eq(cfg->database, "/var/lib/cardxd/cardxd.sqlite");
    ck_assert_str_eq(strstr(ref->database, "/lib/cardxd/"),
                     "/lib/cardxd/cardxd.sqlite");
    ck_assert_str_eq(cfg->synchronous, ref->synchronous);
    ck_assert_str_eq(cfg->default_region, ref->default_region);
    ck_assert_uint_eq(cfg->vcard_max_bytes, ref->vcard_max_bytes);
    ck_assert_uint_eq(cfg->stanza_max_bytes, ref->stanza_max_bytes);
    ck_assert_int_eq(cfg->fetch_timeout_ms, ref->fetch_timeout_ms);
    ck_assert_int_eq(cfg->max_attempts, ref->max_attempts);
    ck_assert_int_eq(cfg->sends_per_minute, ref->sends_per_minute);
    ck_assert_int_eq(cfg->sends_per_day, ref->sends_per_day);
    ck_assert_int_eq(cfg->lookups_per_day, ref->lookups_per_day);
    ck_assert_int_eq(cfg->inbox_max, ref->inbox_max);
    ck_assert_int_eq(cfg->inbox_ttl_ms, ref->inbox_ttl_ms);
    ck_assert_int_eq(cfg->handoff_grace_ms, ref->handoff_grace_ms);
    ck_assert_int_eq(cfg->busy_timeout_ms, ref->busy_timeout_ms);
    ck_assert_int_eq(cfg->check_timeout_ms, ref->check_timeout_ms);
    ck_assert_int_eq(cfg->query_timeout_ms, ref->query_timeout_ms);
    ck_assert_ptr_null(cfg->verify_command);
    ck_assert_int_eq(cfg->verify_command_timeout_ms,
                     ref->verify_command_timeout_ms);
    ck_assert_int_eq(cfg->verify_code_ttl_ms, ref->verify_code_ttl_ms);
    ck_assert_int_eq(cfg->verify_max_tries, ref->verify_max_tries);
    ck_assert_int_eq(cfg->verify_codes_per_day, ref->verify_codes_per_day);
    ck_assert_str_eq(cfg->unknown_numbers, ref->unknown_numbers);
    ck_assert_str_eq(cfg->reveal_online, ref->reveal_online);
    /* Like the database: the example names a system install's directory. */
    ck_assert_str_eq(cfg->locale_dir, "/usr/share/locale");
    ck_assert_int_eq(cfg->log_level, ref->log_level);
    ck_assert_ptr_null(cfg->log_file);
    ck_assert_str_eq(cfg->instance, ref->instance);
    ck_assert_int_eq(cfg->lease_ms, ref->lease_ms);
    ck_assert_int_eq(cfg->heartbeat_ms, ref->heartbeat_ms);
    free(text);
    config_free(cfg);
    config_free(ref);
}
END_TEST

START_TEST(full_overrides_every_key)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(config_load(cfg, FIXTURES "full.conf", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_str_eq(cfg->domain, "cards.example.test");
    ck_assert_str_eq(cfg->secret, "s3cret with spaces");
    ck_assert_str_eq(cfg->host, "xmpp.example.test");
    ck_assert_int_eq(cfg->port, 15347);
    ck_assert_int_eq(cfg->reconnect_min_ms, 250);
    ck_assert_int_eq(cfg->reconnect_max_ms, 60000);
    ck_assert_int_eq(cfg->keepalive_ms, 20000);
    ck_assert_int_eq(cfg->read_timeout_ms, 120000);
    ck_assert_str_eq(cfg->user_domains,
                     "example.test, example.org other.example");
    ck_assert_str_eq(cfg->database, "/var/lib/cardxd/cards.db");
    ck_assert_str_eq(cfg->synchronous, "full");
    ck_assert_str_eq(cfg->default_region, "FR");
    ck_assert_uint_eq(cfg->vcard_max_bytes, 1000);
    ck_assert_uint_eq(cfg->stanza_max_bytes, 200000);
    ck_assert_int_eq(cfg->fetch_timeout_ms, 1234);
    ck_assert_int_eq(cfg->max_attempts, 7);
    ck_assert_int_eq(cfg->sends_per_minute, 3);
    ck_assert_int_eq(cfg->sends_per_day, 0);
    ck_assert_int_eq(cfg->lookups_per_day, 40);
    ck_assert_int_eq(cfg->inbox_max, 0);
    ck_assert_int_eq(cfg->inbox_ttl_ms, 12 * 3600 * 1000);
    ck_assert_int_eq(cfg->handoff_grace_ms, 90 * 60 * 1000);
    ck_assert_int_eq(cfg->busy_timeout_ms, 2000);
    ck_assert_int_eq(cfg->check_timeout_ms, 0);
    ck_assert_int_eq(cfg->query_timeout_ms, 15000);
    ck_assert_str_eq(cfg->verify_method, "command");
    ck_assert_str_eq(cfg->verify_command, "/bin/true");
    ck_assert_int_eq(cfg->verify_command_timeout_ms, 5000);
    ck_assert_int_eq(cfg->verify_code_ttl_ms, 120000);
    ck_assert_int_eq(cfg->verify_max_tries, 3);
    ck_assert_int_eq(cfg->verify_codes_per_day, 9);
    ck_assert_int_eq(config_hold_unknown(cfg), 1);
    ck_assert_int_eq(config_reveal_online(cfg), 1);
    ck_assert_int_eq(cfg->log_level, LOG_LEVEL_DEBUG);
    ck_assert_str_eq(cfg->log_file, "/var/log/cardxd/cardxd.log");
    ck_assert_str_eq(cfg->admins, "root@example.test");
    ck_assert_str_eq(cfg->metrics_listen, "127.0.0.1:9101");
    config_free(cfg);
}
END_TEST

/* A second file only changes the keys it names; a repeated key, an inline
 * comment, CRLF endings, a BOM and a missing final newline are all fine. */
START_TEST(layering_and_lexical_details)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(config_load(cfg, FIXTURES "full.conf", &err), 0);
    ck_assert_int_eq(load_text(cfg,
                               "\xEF\xBB\xBF[component]\r\n"
                               "port = 1000\r\n"
                               "port = 2000 ; the second one wins\r\n"
                               "[log]\r\n"
                               "level = warn",
                               &err),
                     0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(cfg->port, 2000);
    ck_assert_int_eq(cfg->log_level, LOG_LEVEL_WARN);
    ck_assert_str_eq(cfg->host, "xmpp.example.test");
    ck_assert_str_eq(cfg->synchronous, "full");
    config_free(cfg);
}
END_TEST

/* Every limit is switched off by 0; a zero duration needs no unit. */
START_TEST(zero_switches_limits_off)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg,
                               "[limits]\nsends_per_minute = 0\n"
                               "sends_per_day = 0\nlookups_per_day = 0\n"
                               "inbox_max = 0\ninbox_ttl = 0\n",
                               &err),
                     0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(cfg->sends_per_minute, 0);
    ck_assert_int_eq(cfg->sends_per_day, 0);
    ck_assert_int_eq(cfg->lookups_per_day, 0);
    ck_assert_int_eq(cfg->inbox_max, 0);
    ck_assert_int_eq(cfg->inbox_ttl_ms, 0);
    ck_assert_int_eq(load_text(cfg, "[limits]\ninbox_ttl = 0s\n", &err), 0);
    ck_assert_int_eq(cfg->inbox_ttl_ms, 0);
    config_free(cfg);
}
END_TEST

/* A rejected file leaves every earlier value in place. */
START_TEST(failed_load_changes_nothing)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg,
                               "[component]\nport = 1\nhost = other\n"
                               "[log]\nlevel = loud\n",
                               &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, ":5: bad level 'loud' in [log]"));
    free(err);
    ck_assert_int_eq(cfg->port, 5347);
    ck_assert_str_eq(cfg->host, "127.0.0.1");
    config_free(cfg);
}
END_TEST

static const struct {
    const char *file;
    const char *want; /* substring of the message */
} fixture_errors[] = {
    {"unknown-key.conf", "unknown-key.conf:7: unknown key 'prot' in "
                         "[component]"},
    {"unknown-section.conf", "unknown-section.conf:5: unknown section "
                             "[database]"},
    {"bad-number.conf", "bad-number.conf:4: bad fetch_timeout '5s' in "
                        "[limits]: expected an integer from 1 to"},
    {"bad-port.conf", "bad-port.conf:3: bad port '65536' in [component]: "
                      "expected an integer from 1 to 65535"},
    {"syntax.conf", "syntax.conf:5: syntax error"},
    {"bad-level.conf", "bad-level.conf:3: bad level 'verbose' in [log]"},
    {"bad-region.conf", "bad-region.conf:4: bad default_region 'fr' in "
                        "[phone]"},
    {"bad-sync.conf", "bad-sync.conf:3: bad synchronous 'off' in "
                      "[storage]: must be normal or full"},
};

START_TEST(fixture_error)
{
    struct cardxd_config *cfg = config_new();
    char path[PATH_MAX];
    char *err = NULL;

    snprintf(path, sizeof(path), "%s%s", FIXTURES, fixture_errors[_i].file);
    ck_assert_int_eq(config_load(cfg, path, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, fixture_errors[_i].want), "got: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    /* The message starts with the path, as the user wrote it. */
    ck_assert_int_eq(strncmp(err, path, strlen(path)), 0);
    free(err);
    config_free(cfg);
}
END_TEST

static const struct {
    const char *text;
    const char *want;
} text_errors[] = {
    {"[component]\nport = 0\n", ":2: bad port '0' in [component]"},
    {"[component]\nport = abc\n", ":2: bad port 'abc'"},
    {"[component]\nport =\n", ":2: bad port ''"},
    {"[component]\nport = +80\n", ":2: bad port '+80'"},
    {"[component]\nport = 99999999999999999999999\n", ":2: bad port"},
    {"[limits]\nvcard_max = -1\n", ":2: bad vcard_max '-1'"},
    {"[limits]\nstanza_max = 67108865\n", ":2: bad stanza_max"},
    {"[limits]\nfetch_timeout = 0x10\n", ":2: bad fetch_timeout '0x10'"},
    {"port = 5347\n", ":1: key 'port' outside any section"},
    {"[component]\nPort = 5347\n", ":2: unknown key 'Port' in [component]"},
    {"\n[empty]\n", ":2: unknown section [empty]"},
    {"[component]\r\nprot = 1\r\n", ":2: unknown key 'prot'"},
    {"[component\n", ":1: syntax error"},
    /* inih's error comes first even though ours was seen too */
    {"[component]\nbogus\nprot = 1\n", ":2: syntax error"},
    {"[component]\nhost = a\n  port = 1\n", ":3: indented line"},
    {"[component]\nreconnect_min = 60000\n",
     ":2: reconnect_min (60000) is greater than reconnect_max (30000)"},
    {"[component]\nreconnect_max = 100\n\nreconnect_min = 200\n",
     ":4: reconnect_min (200) is greater than reconnect_max (100)"},
    /* the ping needs time to be answered before the link is dropped */
    {"[component]\nkeepalive = 90s\n",
     ":2: keepalive (90s) is not less than read_timeout (90s) in "
     "[component]"},
    {"[component]\nread_timeout = 10s\nkeepalive = 1m\n",
     ":3: keepalive (1m) is not less than read_timeout (10s)"},
    {"[component]\nkeepalive = 500ms\n", ":2: bad keepalive '500ms'"},
    /* a lease renewed only as it ends is lost to any delay */
    {"[cluster]\nheartbeat = 30s\n",
     ":2: heartbeat (30s) is not less than lease (30s) in [cluster]"},
    {"[component]\nread_timeout = 2h\n", ":2: bad read_timeout '2h'"},
    {"[component]\nread_timeout = 90\n", ":2: bad read_timeout '90'"},
    {"[limits]\nvcard_max = 2000000\n",
     ":2: vcard_max (2000000) is greater than stanza_max (1048576)"},
    {"[component]\ndomain = alice@example.test\n",
     ":2: bad domain 'alice@example.test' in [component]"},
    {"[component]\ndomain = cards..test\n", ":2: bad domain"},
    {"[component]\nsecret =\n", ":2: bad secret in [component]: must not"},
    {"[component]\nuser_domains = a.test, b@c\n", ":2: bad user_domains"},
    {"[component]\nhost =\n", ":2: bad host"},
    {"[component]\nadmins = root@a.test, b.test\n",
     ":2: bad admins 'root@a.test, b.test' in [component]: lists something "
     "that is not a bare JID (user@domain)"},
    {"[component]\nadmins = @a.test\n", ":2: bad admins"},
    {"[component]\nadmins = a@b@c.test\n", ":2: bad admins"},
    {"[metrics]\nlisten = 9101\n",
     ":2: bad listen '9101' in [metrics]: must be HOST:PORT"},
    {"[metrics]\nlisten = 127.0.0.1:0\n",
     ":2: bad listen '127.0.0.1:0' in [metrics]: must end with a port from 1 "
     "to 65535"},
    {"[metrics]\nlisten = ::1:9101\n", ":2: bad listen '::1:9101'"},
    {"[cluster]\ninstance = a b\n",
     ":2: bad instance 'a b' in [cluster]: may only hold letters, digits, "
     "'.', '_' and '-'"},
    {"[cluster]\nheartbeat = 50ms\n", ":2: bad heartbeat '50ms'"},
    {"[storage]\ndatabase =\n", ":2: bad database"},
    {"[storage]\nsynchronous = FULL\n", ":2: bad synchronous 'FULL'"},
    {"[phone]\ndefault_region = FRA\n", ":2: bad default_region 'FRA'"},
    {"[phone]\ndefault_region = F1\n", ":2: bad default_region 'F1'"},
    {"[log]\nlevel = INFO\n", ":2: bad level 'INFO'"},
    {"[privacy]\nunknown_numbers = keep\n",
     ":2: bad unknown_numbers 'keep' in [privacy]: must be reject or hold"},
    {"[privacy]\nreveal_online = true\n",
     ":2: bad reveal_online 'true' in [privacy]: must be yes or no"},
    {"[delivery]\nhandoff_grace = 60\n",
     ":2: bad handoff_grace '60' in [delivery]: expected a duration with a "
     "unit (ms, s, m, h, d) from 1s to 365d"},
    {"[delivery]\nhandoff_grace = 10x\n", ":2: bad handoff_grace '10x'"},
    {"[delivery]\nhandoff_grace = -5s\n", ":2: bad handoff_grace '-5s'"},
    {"[delivery]\nhandoff_grace = 5 s\n", ":2: bad handoff_grace '5 s'"},
    {"[delivery]\nhandoff_grace = 999ms\n", ":2: bad handoff_grace '999ms'"},
    {"[delivery]\nhandoff_grace = 366d\n", ":2: bad handoff_grace '366d'"},
    {"[storage]\nbusy_timeout = 2m\n", ":2: bad busy_timeout '2m'"},
    {"[storage]\nquery_timeout = 500ms\n",
     ":2: bad query_timeout '500ms' in [storage]: expected a duration with a "
     "unit (ms, s, m, h, d) from 1s to 5m"},
    /* a bare 0 switches a limit off, but the grace has a floor */
    {"[delivery]\nhandoff_grace = 0\n", ":2: bad handoff_grace '0'"},
    {"[limits]\nsends_per_minute = -1\n", ":2: bad sends_per_minute '-1'"},
    {"[limits]\ninbox_max = 1000001\n", ":2: bad inbox_max '1000001'"},
    {"[limits]\ninbox_ttl = 30\n",
     ":2: bad inbox_ttl '30' in [limits]: expected a duration with a unit "
     "(ms, s, m, h, d) from 0 to 365d"},
    {"[limits]\ninbox_ttl = 00s5\n", ":2: bad inbox_ttl '00s5'"},
    {"[delivery]\nhandoff_grace = 99999999999999999999d\n",
     ":2: bad handoff_grace"},
};

/* Durations are written with a unit and kept in milliseconds. */
static const struct {
    const char *text;
    long long ms;
} durations[] = {
    {"1000ms", 1000},  {"30s", 30000},        {"10m", 600000},
    {"12h", 43200000}, {"30d", 2592000000LL}, {"365d", 31536000000LL},
};

/* Admins are matched whole, whatever separates them or their case. */
START_TEST(admins_matched)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg,
                               "[component]\nadmins = root@a.test,"
                               "  Ops@B.test\n[metrics]\nlisten = "
                               "[::1]:9101\n",
                               &err),
                     0);
    ck_assert_int_eq(config_is_admin(cfg, "root@a.test"), 1);
    ck_assert_int_eq(config_is_admin(cfg, "ops@b.test"), 1);
    ck_assert_int_eq(config_is_admin(cfg, "root@a.tes"), 0);
    ck_assert_int_eq(config_is_admin(cfg, "oot@a.test"), 0);
    ck_assert_int_eq(config_is_admin(cfg, "root@a.test/res"), 0);
    ck_assert_str_eq(cfg->metrics_listen, "[::1]:9101");
    config_free(cfg);
}
END_TEST

START_TEST(duration_units)
{
    struct cardxd_config *cfg = config_new();
    char text[96], *err = NULL;

    snprintf(text, sizeof(text), "[delivery]\nhandoff_grace = %s\n",
             durations[_i].text);
    ck_assert_int_eq(load_text(cfg, text, &err), 0);
    ck_assert_int_eq(cfg->handoff_grace_ms, durations[_i].ms);
    config_free(cfg);
}
END_TEST

START_TEST(text_error)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg, text_errors[_i].text, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, text_errors[_i].want), "got: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    free(err);
    config_free(cfg);
}
END_TEST

/* inih cuts long lines into pieces; they must be refused, not misread. */
START_TEST(overlong_line)
{
    struct cardxd_config *cfg = config_new();
    char text[1024];
    char *err = NULL;
    int n = snprintf(text, sizeof(text), "[component]\nhost = ");

    memset(text + n, 'a', 400);
    strcpy(text + n + 400, "\nport = 1\n");
    ck_assert_int_eq(load_text(cfg, text, &err), -1);
    ck_assert_msg(strstr(err, ":2: line too long"), "got: %s", err);
    free(err);
    ck_assert_str_eq(cfg->host, "127.0.0.1");
    config_free(cfg);
}
END_TEST

START_TEST(unreadable_file)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;
    char want[PATH_MAX + 64];

    ck_assert_int_eq(config_load(cfg, FIXTURES "missing.conf", &err), -1);
    snprintf(want, sizeof(want), "%s: %s", FIXTURES "missing.conf",
             strerror(ENOENT));
    ck_assert_str_eq(err, want);
    free(err);
    /* fopen() accepts a directory; the read is what fails. */
    ck_assert_int_eq(config_load(cfg, FIXTURES, &err), -1);
    snprintf(want, sizeof(want), "%s: %s", FIXTURES, strerror(EISDIR));
    ck_assert_str_eq(err, want);
    free(err);
    config_free(cfg);
}
END_TEST

START_TEST(validate_required_keys)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(config_load(cfg, FIXTURES "no-secret.conf", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_str_eq(err, "missing required key 'secret' in [component]");
    free(err);
    ck_assert_int_eq(load_text(cfg, "[component]\nsecret = x\n", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_ptr_null(err);
    config_free(cfg);
}
END_TEST

/* Values set by code rather than by a file get the same checks. */
START_TEST(validate_values)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(config_load(cfg, FIXTURES "full.conf", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);

    cfg->port = 0;
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad port in [component]"));
    free(err);
    cfg->port = 5347;

    cfg->reconnect_min_ms = cfg->reconnect_max_ms + 1;
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(
        strstr(err, "reconnect_min (60001) is greater than reconnect_max"));
    free(err);
    cfg->reconnect_min_ms = 500;

    cfg->keepalive_ms = cfg->read_timeout_ms;
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_str_eq(err, "keepalive (2m) is not less than read_timeout (2m) "
                          "in [component]");
    free(err);
    cfg->keepalive_ms = cfg->read_timeout_ms - 1;
    ck_assert_int_eq(config_validate(cfg, &err), 0);

    free(cfg->domain);
    cfg->domain = strdup("cards example");
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad domain 'cards example'"));
    free(err);
    config_free(cfg);
}
END_TEST

/* With user_domains empty, the service needs a parent domain to serve. */
START_TEST(validate_parent_domain)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg,
                               "[component]\ndomain = localhost\n"
                               "secret = x\n",
                               &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "user_domains"));
    ck_assert_ptr_nonnull(strstr(err, "'localhost' has no parent domain"));
    free(err);
    ck_assert_int_eq(load_text(cfg,
                               "[component]\nuser_domains = localhost\n"
                               "[verify]\nmethod = none\n",
                               &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    config_free(cfg);
}
END_TEST

/* SQLite unless told; PostgreSQL needs its DSN, which no message shows. */
START_TEST(validate_storage_driver)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_str_eq(cfg->driver, "sqlite");
    ck_assert_ptr_null(cfg->dsn);
    ck_assert_int_eq(load_text(cfg,
                               "[component]\ndomain = cards.example.test\n"
                               "secret = x\n[verify]\nmethod = none\n",
                               &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_int_eq(load_text(cfg, "[storage]\ndriver = mysql\n", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "must be sqlite or postgresql"));
    free(err);
    ck_assert_int_eq(load_text(cfg, "[storage]\ndriver = postgresql\n", &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "driver = postgresql needs dsn ="));
    free(err);
    ck_assert_int_eq(
        load_text(cfg, "[storage]\ndsn = postgresql://cardx:pw@db/c\n", &err),
        0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_str_eq(cfg->dsn, "postgresql://cardx:pw@db/c");
    /* A statement waiting out its lock is not a hung server. */
    ck_assert_int_eq(load_text(cfg, "[storage]\nbusy_timeout = 5s\n", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "[storage] busy_timeout (5000 ms) must "
                                      "be shorter than query_timeout (5000 "
                                      "ms)"));
    free(err);
    ck_assert_int_eq(load_text(cfg, "[storage]\nquery_timeout = 6s\n", &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    config_free(cfg);
}
END_TEST

/* There is no default way of proving numbers: -t and the start refuse a
 * config that does not choose, or chooses a program that cannot run. */
START_TEST(validate_verify)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    ck_assert_int_eq(load_text(cfg,
                               "[component]\ndomain = cards.example.test\n"
                               "secret = x\n",
                               &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "[verify] method is not set: choose "
                                      "command"));
    free(err);
    ck_assert_int_eq(load_text(cfg, "[verify]\nmethod = sms\n", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad method 'sms' in [verify]: must be "
                                      "command or none"));
    free(err);
    ck_assert_int_eq(load_text(cfg, "[verify]\ncommand = send-code\n", &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "must be an absolute path"));
    free(err);
    ck_assert_int_eq(load_text(cfg, "[verify]\nmethod = command\n", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "method = command needs command ="));
    free(err);
    ck_assert_int_eq(
        load_text(cfg, "[verify]\ncommand = /nonexistent/send-code\n", &err),
        0);
    ck_assert_int_eq(config_validate(cfg, &err), -1);
    ck_assert_str_eq(err, "cannot run [verify] command "
                          "'/nonexistent/send-code': No such file or "
                          "directory");
    free(err);
    ck_assert_int_eq(load_text(cfg, "[verify]\ncommand = /bin/true\n", &err),
                     0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    ck_assert_int_eq(load_text(cfg, "[verify]\nmethod = none\n", &err), 0);
    ck_assert_int_eq(config_validate(cfg, &err), 0);
    config_free(cfg);
}
END_TEST

/* What config_keep_fixed() was told changed, joined as "[s] k;". */
static void note_fixed(void *ud, const char *section, const char *name)
{
    char *seen = ud;
    size_t n = strlen(seen);

    snprintf(seen + n, 256 - n, "[%s] %s;", section, name);
}

/* A reload keeps the running link and database keys, names each changed
 * one, and takes every other key from the file. */
START_TEST(reload_keeps_fixed_keys)
{
    struct cardxd_config *running = config_new();
    struct cardxd_config *next = config_new();
    char *err = NULL, seen[256] = "";

    ck_assert_int_eq(load_text(running,
                               "[component]\ndomain = cards.example.test\n"
                               "secret = a\nport = 5347\n"
                               "[limits]\nsends_per_day = 5\n",
                               &err),
                     0);
    ck_assert_int_eq(load_text(next,
                               "[component]\ndomain = cards.example.test\n"
                               "secret = b\nport = 5348\n"
                               "[storage]\ndatabase = /elsewhere.sqlite\n"
                               "[limits]\nsends_per_day = 7\n"
                               "[log]\nlevel = warn\n",
                               &err),
                     0);
    ck_assert_int_eq(config_keep_fixed(next, running, note_fixed, seen), 0);
    ck_assert_str_eq(seen, "[component] secret;[component] port;"
                           "[storage] database;");
    ck_assert_str_eq(next->secret, "a");
    ck_assert_int_eq(next->port, 5347);
    ck_assert_str_eq(next->database, running->database);
    ck_assert_int_eq(next->sends_per_day, 7);
    ck_assert_int_eq(next->log_level, LOG_LEVEL_WARN);
    /* The same file again: nothing to name. */
    seen[0] = '\0';
    ck_assert_int_eq(config_keep_fixed(next, running, note_fixed, seen), 0);
    ck_assert_str_eq(seen, "");
    config_free(next);
    config_free(running);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, defaults_documented);
    tcase_add_test(tc, example_loads_and_validates);
    tcase_add_test(tc, example_states_defaults);
    tcase_add_test(tc, zero_switches_limits_off);
    tcase_add_test(tc, full_overrides_every_key);
    tcase_add_test(tc, layering_and_lexical_details);
    tcase_add_test(tc, failed_load_changes_nothing);
    tcase_add_loop_test(tc, fixture_error, 0,
                        sizeof(fixture_errors) / sizeof(fixture_errors[0]));
    tcase_add_loop_test(tc, text_error, 0,
                        sizeof(text_errors) / sizeof(text_errors[0]));
    tcase_add_loop_test(tc, duration_units, 0,
                        sizeof(durations) / sizeof(durations[0]));
    tcase_add_test(tc, overlong_line);
    tcase_add_test(tc, admins_matched);
    tcase_add_test(tc, unreadable_file);
    tcase_add_test(tc, validate_required_keys);
    tcase_add_test(tc, validate_values);
    tcase_add_test(tc, validate_parent_domain);
    tcase_add_test(tc, validate_verify);
    tcase_add_test(tc, validate_storage_driver);
    tcase_add_test(tc, reload_keeps_fixed_keys);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(config_suite)
