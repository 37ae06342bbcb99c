/* The cardx program against a Prosody close to Debian's stock config
 * (harness.h, CARDX_SERVER=prosody-stock): TLS required with a certificate
 * of its own, accounts made by prosodyctl, registration by invitation
 * only. register/sync/send work with --cafile, and every TLS or login
 * failure says why and what to do. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/lib/runner.h"

#define RUN_TIMEOUT_MS 60000
#define LINK_WAIT_MS 30000
#define ALICE_PHONE "+8613800138000"
#define BOB_PHONE "+8613900139000"
/* As cardx prints them (international format). */
#define ALICE_SHOWN "+86 138 0013 8000"
#define BOB_SHOWN "+86 139 0013 9000"
#define ARGS_MAX 24

static struct harness *the_harness;
/* $XDG_CONFIG_HOME of every run: its cardx.conf is another account's. */
static char xdg_home[PATH_MAX];

/* Exit statuses of cardx(1). */
enum { EXIT_OK = 0, EXIT_NETWORK = 3, EXIT_AUTH = 5 };

struct user {
    const char *name;
    const char *password;
    char dir[PATH_MAX];
};

static struct user alice = {"alice", "alice-pw", ""};
static struct user bob = {"bob", "bob-pw", ""};
/* No account: the server must not create it for cardx. */
static struct user carol = {"carol", "carol-pw", ""};

struct result {
    int status;
    char out[8192], err[8192];
};

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static int wait_child(pid_t pid)
{
    long long deadline = clock_now_ms() + RUN_TIMEOUT_MS;
    int ws;

    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);

        if (r == pid)
            return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
        ck_assert_int_eq(r, 0);
        if (clock_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            ck_abort_msg("cardx did not finish within %d ms", RUN_TIMEOUT_MS);
        }
        usleep(20000);
    }
}

/* Runs cardx as u: its data directory, JID, the server, then args; with
 * cafile as --cafile unless NULL. */
static void run(struct result *r, const struct user *u, const char *cafile,
                const char *const *args)
{
    char exe[PATH_MAX], data[PATH_MAX + 16], jid[128], server[64];
    char ca[PATH_MAX + 16], out[PATH_MAX + 8], err[PATH_MAX + 8];
    const char *dir = getenv("CARDX_BUILDDIR");
    char *argv[ARGS_MAX];
    size_t n = 0;
    pid_t pid;

    snprintf(exe, sizeof(exe), "%s/client/cardx", dir ? dir : BUILDDIR);
    snprintf(data, sizeof(data), "--data-dir=%s/data", u->dir);
    snprintf(jid, sizeof(jid), "--jid=%s@%s", u->name,
             harness_domain(the_harness));
    snprintf(server, sizeof(server), "--server=127.0.0.1:%d",
             harness_c2s_port(the_harness));
    argv[n++] = exe;
    argv[n++] = data;
    argv[n++] = jid;
    argv[n++] = server;
    if (cafile) {
        snprintf(ca, sizeof(ca), "--cafile=%s", cafile);
        argv[n++] = ca;
    }
    for (; *args && n + 1 < ARGS_MAX; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    snprintf(out, sizeof(out), "%s/out", u->dir);
    snprintf(err, sizeof(err), "%s/err", u->dir);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
            dup2(e, 2) < 0)
            _exit(126);
        setenv("CARDX_PASSWORD", u->password, 1);
        setenv("CARDX_SYNC_QUIET_MS", "700", 1);
        /* One config home for all, naming another account (main). */
        setenv("XDG_CONFIG_HOME", xdg_home, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    r->status = wait_child(pid);
    slurp(out, r->out, sizeof(r->out));
    slurp(err, r->err, sizeof(r->err));
}

static void expect(const struct user *u, const char *cafile, int status,
                   const char *in_out, const char *in_err,
                   const char *const *args)
{
    struct result r;

    run(&r, u, cafile, args);
    ck_assert_msg(r.status == status,
                  "exit %d, not %d; stdout:\n%s\nstderr:\n%s", r.status, status,
                  r.out, r.err);
    ck_assert_msg(!in_out || strstr(r.out, in_out), "'%s' not in stdout:\n%s",
                  in_out, r.out);
    ck_assert_msg(!in_err || strstr(r.err, in_err), "'%s' not in stderr:\n%s",
                  in_err, r.err);
}

#define EXPECT(u, ca, status, in_out, in_err, ...)                             \
    expect((u), (ca), (status), (in_out), (in_err),                            \
           (const char *const[]){__VA_ARGS__, NULL})

/* The CA file that trusts the test domain's certificate. */
static const char *domain_ca(void)
{
    static char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", harness_rundir(the_harness),
             HARNESS_STOCK_CA);
    return path;
}

/* The certificate naming only the host (prosody-stock.sh). */
static const char *host_cert(void)
{
    static char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/certs/host.crt",
             harness_rundir(the_harness));
    return path;
}

START_TEST(untrusted_without_cafile)
{
    EXPECT(&alice, NULL, EXIT_NETWORK, NULL, "is not trusted", "sync");
    EXPECT(&alice, NULL, EXIT_NETWORK, NULL, "--cafile FILE", "sync");
}
END_TEST

START_TEST(wrong_password)
{
    struct user wrong = alice;

    wrong.password = "not-alices";
    EXPECT(&wrong, domain_ca(), EXIT_AUTH, NULL,
           "login as alice@cardx.test failed: wrong password", "sync");
}
END_TEST

/* The account exists (prosodyctl): register logs in and never asks the
 * server, which registers by invitation only, to create it. The config
 * file names another account, its server and component: none of it is
 * used, and each account's settings are saved beside its cards. */
START_TEST(register_existing_accounts)
{
    char path[PATH_MAX + 32];
    struct result r;
    struct stat st;

    run(&r, &alice, domain_ca(),
        (const char *const[]){"register", "--phone", ALICE_PHONE, NULL});
    ck_assert_msg(r.status == EXIT_OK, "register: %d\n%s%s", r.status, r.out,
                  r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "registered " ALICE_SHOWN));
    ck_assert_ptr_null(strstr(r.out, "created account"));
    EXPECT(&bob, domain_ca(), EXIT_OK, "registered " BOB_SHOWN, NULL,
           "register", "--phone", BOB_PHONE);
    snprintf(path, sizeof(path), "%s/data/account.conf", bob.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* No such account, and no open registration: cardx says both. */
START_TEST(register_unknown_account)
{
    EXPECT(&carol, domain_ca(), EXIT_AUTH, NULL, "through invitation only",
           "register", "--phone", "+8613700137000");
}
END_TEST

START_TEST(send_and_sync)
{
    EXPECT(&alice, domain_ca(), EXIT_OK, "saved and uploaded", NULL, "card",
           "set", "name=Alice Wang", "org=Changhong");
    EXPECT(&alice, domain_ca(), EXIT_OK, "card-", NULL, "send", BOB_PHONE,
           "--note", "from a stock server");
    EXPECT(&bob, domain_ca(), EXIT_OK, "1 new card", NULL, "sync");
    EXPECT(&bob, NULL, EXIT_OK, "Alice Wang, Changhong", NULL, "inbox", "list");
}
END_TEST

/* Like Debian's snakeoil certificate, one naming only the host: the
 * message says so, with or without a CA file that trusts it. */
START_TEST(certificate_names_the_host)
{
    struct harness *h = the_harness;

    ck_assert_int_eq(setenv("CARDX_STOCK_CERT", "host", 1), 0);
    ck_assert_int_eq(harness_server_restart(h), 0);
    EXPECT(&alice, NULL, EXIT_NETWORK, NULL, "not the XMPP domain cardx.test",
           "sync");
    EXPECT(&alice, host_cert(), EXIT_NETWORK, NULL,
           "not the XMPP domain cardx.test", "sync");
    ck_assert_int_eq(unsetenv("CARDX_STOCK_CERT"), 0);
    ck_assert_int_eq(harness_server_restart(h), 0);
    EXPECT(&alice, domain_ca(), EXIT_OK, NULL, NULL, "sync");
}
END_TEST

/* A handshake that fails for want of a common cipher says so, with
 * OpenSSL's reason, instead of an empty "TLS failed: ". */
START_TEST(no_shared_cipher)
{
    struct harness *h = the_harness;

    ck_assert_int_eq(setenv("CARDX_STOCK_TLS", "no-shared-cipher", 1), 0);
    ck_assert_int_eq(harness_server_restart(h), 0);
    EXPECT(&alice, domain_ca(), EXIT_NETWORK, NULL,
           "TLS negotiation failed: ", "sync");
    EXPECT(&alice, domain_ca(), EXIT_NETWORK, NULL,
           "share no TLS version or cipher", "sync");
    ck_assert_int_eq(unsetenv("CARDX_STOCK_TLS"), 0);
    ck_assert_int_eq(harness_server_restart(h), 0);
    EXPECT(&alice, domain_ca(), EXIT_OK, NULL, NULL, "sync");
}
END_TEST

static void start_servers(void)
{
    struct harness *h = the_harness;

    ck_assert_int_eq(harness_server_start(h), 0);
    ck_assert_int_eq(harness_register(h, alice.name, alice.password), 0);
    ck_assert_int_eq(harness_register(h, bob.name, bob.password), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, LINK_WAIT_MS), 0);
}

static void stop_servers(void)
{
    harness_cardxd_stop(the_harness);
    harness_server_stop(the_harness);
}

/* A config file left by another account: its server and component must
 * not reach alice or bob. */
static int write_foreign_config(void)
{
    char path[PATH_MAX + 32];
    FILE *f;

    snprintf(xdg_home, sizeof(xdg_home), "%s/xdg", harness_rundir(the_harness));
    snprintf(path, sizeof(path), "%s/cardx", xdg_home);
    if (mkdir(xdg_home, 0700) < 0 || mkdir(path, 0700) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/cardx/cardx.conf", xdg_home);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("[account]\njid = someone@example.test\n"
          "server = 192.0.2.1:5222\ncomponent = cards.example.test\n",
          f);
    if (fclose(f) != 0)
        return -1;
    return chmod(path, 0600);
}

static int make_user_dir(struct user *u)
{
    snprintf(u->dir, sizeof(u->dir), "%s/%s", harness_rundir(the_harness),
             u->name);
    return mkdir(u->dir, 0700);
}

int main(void)
{
    Suite *s = suite_create("client_stock");
    TCase *tc = tcase_create("stock");
    int failed;

    /* This test is about that server; CARDX_STOCK_CERT is set per test. */
    setenv("CARDX_SERVER", "prosody-stock", 1);
    unsetenv("CARDX_STOCK_CERT");
    unsetenv("CARDX_STOCK_TLS");
    the_harness = harness_new();
    if (!the_harness)
        return EXIT_FAILURE;
    if (make_user_dir(&alice) < 0 || make_user_dir(&bob) < 0 ||
        make_user_dir(&carol) < 0 || write_foreign_config() < 0) {
        perror("test_client_stock: mkdir");
        harness_free(the_harness);
        return EXIT_FAILURE;
    }
    tcase_add_unchecked_fixture(tc, start_servers, stop_servers);
    /* In order: each step builds on the previous ones. */
    tcase_add_test(tc, untrusted_without_cafile);
    tcase_add_test(tc, wrong_password);
    tcase_add_test(tc, register_existing_accounts);
    tcase_add_test(tc, register_unknown_account);
    tcase_add_test(tc, send_and_sync);
    tcase_add_test(tc, certificate_names_the_host);
    tcase_add_test(tc, no_shared_cipher);
    suite_add_tcase(s, tc);
    failed = test_run(s, TEST_NOFORK);
    if (failed)
        harness_keep_rundir(the_harness);
    harness_free(the_harness);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
