/* End-to-end test of the cardx program, driven like a user against a real
 * Prosody and cardxd: register, send, sync, inbox, contacts, the shell,
 * reconnection and working offline. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/lib/runner.h"

#define RUN_TIMEOUT_MS 60000
#define SHELL_WAIT_MS 20000
#define LINK_WAIT_MS 30000
#define ALICE_PHONE "+8613800138000"
#define BOB_PHONE "+8613900139000"
/* How cardx shows the numbers to people. */
#define ALICE_SHOWN "+86 138 0013 8000"
#define BOB_SHOWN "+86 139 0013 9000"

/* Check fixtures take no argument: the shared harness lives here. */
static struct harness *the_harness;

struct user {
    const char *name;
    const char *password;
    char dir[PATH_MAX];
};

static struct user alice = {"alice", "alice-pw", ""};
static struct user bob = {"bob", "bob-pw", ""};

/* What one run of cardx left. */
struct result {
    int status; /* exit status, or -1 when it did not exit normally */
    char *out, *err;
};

static const char *cardx_path(void)
{
    static char path[PATH_MAX];
    const char *dir = getenv("CARDX_BUILDDIR");

    snprintf(path, sizeof(path), "%s/client/cardx", dir ? dir : BUILDDIR);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int ch;

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(mem);
    while ((ch = getc(f)) != EOF)
        putc(ch, mem);
    fclose(f);
    fclose(mem);
    return text;
}

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
}

/* argv for cardx as u: the per-user config and data, then args. */
static void build_argv(const struct user *u, const char *const *args,
                       char *argv[], size_t max, char *config, char *data)
{
    size_t n = 0;

    ck_assert_int_lt(
        snprintf(config, 2 * PATH_MAX, "--config=%s/cardx.conf", u->dir),
        2 * PATH_MAX);
    ck_assert_int_lt(snprintf(data, 2 * PATH_MAX, "--data-dir=%s/data", u->dir),
                     2 * PATH_MAX);
    argv[n++] = (char *)cardx_path();
    argv[n++] = config;
    argv[n++] = data;
    for (; *args && n + 1 < max; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
}

/* In the child: the user's password and a short sync quiet period. */
static void child_env(const struct user *u)
{
    setenv("CARDX_PASSWORD", u->password, 1);
    setenv("CARDX_SYNC_QUIET_MS", "700", 1);
    unsetenv("EDITOR");
}

/* Waits for pid within the run timeout, killing it after. */
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

/* Runs cardx as u with args (NULL-terminated), stdin from /dev/null. */
static struct result run(const struct user *u, const char *const *args)
{
    char config[2 * PATH_MAX], data[2 * PATH_MAX];
    char out[PATH_MAX + 8], err[PATH_MAX + 8];
    char *argv[32];
    struct result r;
    pid_t pid;

    build_argv(u, args, argv, 32, config, data);
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
        child_env(u);
        execv(argv[0], argv);
        _exit(127);
    }
    r.status = wait_child(pid);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

#define RUN(u, ...) run((u), (const char *const[]){__VA_ARGS__, NULL})

static void assert_has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part), "'%s' not in:\n%s", part, text);
}

/* Runs and asserts the exit status and that stdout holds want. */
static void expect(const struct user *u, int status, const char *want,
                   const char *const *args)
{
    struct result r = run(u, args);

    ck_assert_msg(r.status == status,
                  "exit %d, not %d; stdout:\n%s\nstderr:\n%s", r.status, status,
                  r.out, r.err);
    if (want)
        assert_has(r.out, want);
    result_free(&r);
}

#define EXPECT(u, status, want, ...)                                           \
    expect((u), (status), (want), (const char *const[]){__VA_ARGS__, NULL})

/* --- the shell, through pipes --- */

struct shell {
    pid_t pid;
    int in, out; /* our ends: its stdin, its stdout */
    char buf[65536];
    size_t len, seen; /* seen: where the next expect starts */
};

static void shell_start(struct shell *sh, const struct user *u)
{
    char config[2 * PATH_MAX], data[2 * PATH_MAX], err[PATH_MAX + 16];
    char *argv[8];
    int to_child[2], from_child[2];

    memset(sh, 0, sizeof(*sh));
    build_argv(u, (const char *const[]){"shell", NULL}, argv, 8, config, data);
    snprintf(err, sizeof(err), "%s/shell.err", u->dir);
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(from_child), 0);
    fflush(NULL);
    sh->pid = fork();
    ck_assert_int_ge(sh->pid, 0);
    if (sh->pid == 0) {
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (e < 0 || dup2(to_child[0], 0) < 0 || dup2(from_child[1], 1) < 0 ||
            dup2(e, 2) < 0)
            _exit(126);
        close(to_child[1]);
        close(from_child[0]);
        child_env(u);
        execv(argv[0], argv);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    sh->in = to_child[1];
    sh->out = from_child[0];
}

/* Reads the shell's output until it holds want after what earlier expects
 * consumed; fails after timeout_ms. */
static void shell_expect(struct shell *sh, const char *want, int timeout_ms)
{
    long long deadline = clock_now_ms() + timeout_ms;
    char *hit;

    for (;;) {
        struct pollfd pfd = {.fd = sh->out, .events = POLLIN};
        ssize_t n;

        sh->buf[sh->len] = '\0';
        hit = strstr(sh->buf + sh->seen, want);
        if (hit) {
            sh->seen = (size_t)(hit - sh->buf) + strlen(want);
            return;
        }
        ck_assert_msg(clock_now_ms() < deadline,
                      "shell never printed '%s'; got:\n%s", want, sh->buf);
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        n = read(sh->out, sh->buf + sh->len, sizeof(sh->buf) - 1 - sh->len);
        ck_assert_msg(n > 0, "shell closed its output; got:\n%s", sh->buf);
        sh->len += (size_t)n;
    }
}

static void shell_say(struct shell *sh, const char *line)
{
    size_t len = strlen(line);

    ck_assert_int_eq(write(sh->in, line, len), (ssize_t)len);
    ck_assert_int_eq(write(sh->in, "\n", 1), 1);
}

/* quit, then it must exit 0. */
static void shell_quit(struct shell *sh)
{
    shell_say(sh, "quit");
    close(sh->in);
    ck_assert_int_eq(wait_child(sh->pid), 0);
    close(sh->out);
}

/* --- setup --- */

static void start_servers(void)
{
    struct harness *h = the_harness;

    ck_assert_int_eq(harness_prosody_start(h), 0);
    /* Numbers are proven: the codes are read from cardxd.log. */
    ck_assert_int_eq(harness_verify_by_log(h), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, LINK_WAIT_MS), 0);
}

static void stop_servers(void)
{
    harness_cardxd_stop(the_harness);
    harness_prosody_stop(the_harness);
}

/* The latest code cardxd sent to e164. */
static void last_code(const char *e164, char code[HARNESS_CODE_LEN])
{
    char phrase[64];
    int n;

    snprintf(phrase, sizeof(phrase), "cardx code for %s: ", e164);
    n = harness_cardxd_log_count(the_harness, phrase);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(
        harness_verify_code(the_harness, e164, n, code, LINK_WAIT_MS), 0);
}

/* register without a terminal, first run of a new account: creates it,
 * cardxd sends a code, and cardx says to give it with --code (status 2). */
static void register_asks_code(const struct user *u, const char *jid,
                               const char *server, const char *phone,
                               const char *e164)
{
    struct result r = RUN(u, jid, server, "--insecure-plaintext", "register",
                          "--phone", phone);
    char want[96];

    ck_assert_msg(r.status == 2, "register without code (%d):\n%s%s", r.status,
                  r.out, r.err);
    assert_has(r.out, "created account");
    snprintf(want, sizeof(want), "a code was sent to %s", e164);
    assert_has(r.err, want);
    assert_has(r.err, "--code CODE");
    result_free(&r);
}

/* The first run names the account and server and gets a code sent; the
 * second proves the number with it, and register saves them. */
static void register_user(const struct user *u, const char *phone,
                          const char *e164, const char *shown)
{
    char jid[128], server[64], want[128], code[HARNESS_CODE_LEN];
    char wrong[HARNESS_CODE_LEN];
    struct result r;

    snprintf(jid, sizeof(jid), "--jid=%s@%s", u->name,
             harness_domain(the_harness));
    snprintf(server, sizeof(server), "--server=127.0.0.1:%d",
             harness_c2s_port(the_harness));
    register_asks_code(u, jid, server, phone, e164);
    last_code(e164, code);
    snprintf(wrong, sizeof(wrong), "%s", code);
    wrong[5] = wrong[5] == '0' ? '1' : '0';
    r = RUN(u, jid, server, "--insecure-plaintext", "register", "--phone",
            phone, "--code", wrong);
    ck_assert_int_eq(r.status, 4);
    assert_has(r.err, "wrong code");
    result_free(&r);
    r = RUN(u, jid, server, "--insecure-plaintext", "register", "--phone",
            phone, "--code", code);
    ck_assert_msg(r.status == 0, "register failed (%d):\n%s%s", r.status, r.out,
                  r.err);
    snprintf(want, sizeof(want), "registered %s for %s@", shown, u->name);
    assert_has(r.out, want);
    result_free(&r);
}

START_TEST(register_users)
{
    char path[PATH_MAX + 16];
    struct stat st;

    register_user(&alice, ALICE_PHONE, ALICE_PHONE, ALICE_SHOWN);
    register_user(&bob, "+86 139 0013 9000", BOB_PHONE, BOB_SHOWN);
    /* register saved the account, privately */
    snprintf(path, sizeof(path), "%s/cardx.conf", alice.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* again, now from the saved settings: just logs in */
    EXPECT(&alice, 0, "registered " ALICE_SHOWN, "register");
}
END_TEST

START_TEST(register_refusals)
{
    struct user mallory = {"mallory", "mallory-pw", ""};
    struct user wrong = {"alice", "not-alices", ""};
    char jid[128], server[64], code[HARNESS_CODE_LEN];
    struct result r;

    snprintf(mallory.dir, sizeof(mallory.dir), "%s/mallory",
             harness_rundir(the_harness));
    ck_assert_int_eq(mkdir(mallory.dir, 0700), 0);
    snprintf(wrong.dir, sizeof(wrong.dir), "%s", mallory.dir);
    snprintf(server, sizeof(server), "--server=127.0.0.1:%d",
             harness_c2s_port(the_harness));
    snprintf(jid, sizeof(jid), "--jid=alice@%s", harness_domain(the_harness));
    r = RUN(&wrong, jid, server, "--insecure-plaintext", "register", "--phone",
            "+8613700137000");
    ck_assert_int_eq(r.status, 5);
    assert_has(r.err, "exists with another password");
    result_free(&r);
    /* TLS is required unless turned off, and this server offers none. */
    r = RUN(&wrong, jid, server, "sync");
    ck_assert_int_ne(r.status, 0);
    assert_has(r.err, "the server does not offer TLS");
    result_free(&r);
    snprintf(jid, sizeof(jid), "--jid=mallory@%s", harness_domain(the_harness));
    /* A code for Bob's number reaches Bob's phone; even with it, the
     * number stays Bob's. */
    register_asks_code(&mallory, jid, server, BOB_PHONE, BOB_PHONE);
    last_code(BOB_PHONE, code);
    r = RUN(&mallory, jid, server, "--insecure-plaintext", "register",
            "--phone", BOB_PHONE, "--code", code);
    ck_assert_int_eq(r.status, 4);
    assert_has(r.err, "already registered");
    result_free(&r);
    r = RUN(&mallory, jid, server, "--insecure-plaintext", "register",
            "--phone", "12");
    ck_assert_int_eq(r.status, 4);
    assert_has(r.err, "invalid phone number");
    result_free(&r);
}
END_TEST

START_TEST(send_to_offline_is_queued)
{
    EXPECT(&alice, 0, "saved and uploaded", "card", "set", "name=Alice Wang",
           "org=Changhong", "title=CEO");
    EXPECT(&alice, 0, "queued: card card-", "send", BOB_PHONE, "--note",
           "Nice to meet you");
    EXPECT(&alice, 4, NULL, "send", "+8613600136000");
}
END_TEST

START_TEST(sync_fills_inbox)
{
    struct result r;

    EXPECT(&bob, 0, "1 new card", "sync");
    r = RUN(&bob, "inbox", "list");
    ck_assert_int_eq(r.status, 0);
    assert_has(r.out, "#1 ");
    assert_has(r.out, ALICE_SHOWN);
    assert_has(r.out, "Alice Wang, Changhong");
    assert_has(r.out, "Nice to meet you");
    result_free(&r);
    /* acknowledged, so not sent again */
    EXPECT(&bob, 0, "no new cards", "sync");
    EXPECT(&bob, 0, "saved inbox #1 as contact", "inbox", "save", "1");
    EXPECT(&bob, 0, "Alice Wang", "contacts", "search", "changhong");
    EXPECT(&bob, 0, "the inbox is empty", "inbox");
}
END_TEST

/* Bob stays online in the shell: Alice's card shows at once, and again
 * after the server restarted under the shell. */
START_TEST(shell_prints_arrivals)
{
    struct harness *h = the_harness;
    struct shell sh;
    int ups;

    shell_start(&sh, &bob);
    shell_expect(&sh, "no new cards", SHELL_WAIT_MS);
    /* Bob is online, which the answer does not say (reveal_online). */
    EXPECT(&alice, 0, "queued: card", "send", BOB_PHONE);
    shell_expect(&sh, "New card from " ALICE_SHOWN ": Alice Wang (inbox #",
                 SHELL_WAIT_MS);
    shell_say(&sh, "inbox list");
    shell_expect(&sh, "Alice Wang, Changhong", SHELL_WAIT_MS);
    shell_say(&sh, "contacts search \"Alice Wang\"");
    shell_expect(&sh, "Changhong", SHELL_WAIT_MS);

    ups = harness_cardxd_link_ups(h);
    ck_assert_int_ge(ups, 1);
    ck_assert_int_eq(harness_prosody_restart(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, LINK_WAIT_MS), 0);
    shell_expect(&sh, "back online", SHELL_WAIT_MS);
    shell_expect(&sh, "new card", SHELL_WAIT_MS);
    EXPECT(&alice, 0, NULL, "send", BOB_PHONE, "--note", "after restart");
    shell_expect(&sh, "New card from " ALICE_SHOWN, SHELL_WAIT_MS);
    shell_quit(&sh);
}
END_TEST

START_TEST(reply_reaches_sender)
{
    struct result r;

    EXPECT(&bob, 0, "saved and uploaded", "card", "set", "name=Bob Li",
           "org=Haier");
    EXPECT(&bob, 0, "queued: card", "send", ALICE_PHONE);
    EXPECT(&alice, 0, "1 new card", "sync");
    r = RUN(&alice, "inbox");
    ck_assert_int_eq(r.status, 0);
    assert_has(r.out, BOB_SHOWN);
    assert_has(r.out, "Bob Li, Haier");
    result_free(&r);
}
END_TEST

/* Bob blocks Alice with cardx: her send is answered as usual, yet nothing
 * reaches him; unblocked, her next card does. */
START_TEST(block_unblock_blocked)
{
    EXPECT(&bob, 0, "no blocked numbers", "blocked");
    EXPECT(&bob, 0, "blocked " ALICE_PHONE, "block", ALICE_PHONE);
    EXPECT(&bob, 0, ALICE_SHOWN "\n", "blocked");
    EXPECT(&alice, 0, "queued: card card-", "send", BOB_PHONE, "--note",
           "while blocked");
    EXPECT(&bob, 0, "no new cards", "sync");
    EXPECT(&bob, 4, NULL, "unblock", "+8613600136000");
    EXPECT(&bob, 2, NULL, "block");
    EXPECT(&bob, 0, "unblocked " ALICE_PHONE, "unblock", ALICE_PHONE);
    EXPECT(&bob, 0, "no blocked numbers", "blocked");
    EXPECT(&alice, 0, "queued: card card-", "send", BOB_PHONE, "--note",
           "after unblock");
    EXPECT(&bob, 0, "1 new card", "sync");
    EXPECT(&bob, 0, "after unblock", "inbox", "list");
}
END_TEST

/* The inbox number of the first line of `inbox list` that holds marker. */
static long inbox_number(const struct user *u, const char *marker)
{
    struct result r = RUN(u, "inbox", "list");
    const char *hit, *line;
    long n = -1;

    ck_assert_int_eq(r.status, 0);
    hit = strstr(r.out, marker);
    ck_assert_msg(hit != NULL, "'%s' not in:\n%s", marker, r.out);
    for (line = hit; line > r.out && line[-1] != '\n'; line--)
        ;
    ck_assert_int_eq(sscanf(line, "#%ld", &n), 1);
    result_free(&r);
    return n;
}

/* Alice edits her card: Bob's contact, saved from it, takes the change
 * and keeps his own note; a field both changed is his choice (--mine,
 * --theirs); with updates off nothing comes. Title and name stay as the
 * later tests expect them. */
START_TEST(updates_merge_into_contact)
{
    char num[32];
    struct result r;

    EXPECT(&bob, 0, "no new cards", "sync");
    EXPECT(&bob, 0, "updated contact 1", "contacts", "edit", "1",
           "note=met at the fair");
    EXPECT(&alice, 0, "saved and uploaded", "card", "set",
           "email=alice@changhong.cn");
    EXPECT(&bob, 0, "1 new card", "sync");
    snprintf(num, sizeof(num), "%ld",
             inbox_number(&bob, "update (changed: email)"));
    EXPECT(&bob, 0, "update   changed: email\n", "inbox", "show", num);
    EXPECT(&bob, 0, "into contact 1 (changed: email)", "inbox", "save", num);
    r = RUN(&bob, "contacts", "show", "1");
    assert_has(r.out, "alice@changhong.cn");
    assert_has(r.out, "met at the fair");
    assert_has(r.out, "title    CEO");
    result_free(&r);

    /* Both change the email: asked, or --mine / --theirs. */
    EXPECT(&bob, 0, "updated contact 1", "contacts", "edit", "1",
           "email=alice@home.cn");
    EXPECT(&alice, 0, "saved and uploaded", "card", "set",
           "email=wang@changhong.cn");
    EXPECT(&bob, 0, "1 new card", "sync");
    snprintf(num, sizeof(num), "%ld",
             inbox_number(&bob, "update (changed: email)"));
    r = RUN(&bob, "inbox", "save", num);
    ck_assert_int_eq(r.status, 2);
    assert_has(r.err, "both changed email of contact 1: add --theirs or "
                      "--mine");
    result_free(&r);
    EXPECT(&bob, 0, "into contact 1", "inbox", "save", num, "--mine");
    EXPECT(&bob, 0, "alice@home.cn", "contacts", "show", "1");
    EXPECT(&alice, 0, "saved and uploaded", "card", "set",
           "email=ceo@changhong.cn");
    EXPECT(&bob, 0, "1 new card", "sync");
    snprintf(num, sizeof(num), "%ld",
             inbox_number(&bob, "update (changed: email)"));
    EXPECT(&bob, 0, "into contact 1", "inbox", "save", num, "--theirs");
    EXPECT(&bob, 0, "ceo@changhong.cn", "contacts", "show", "1");

    EXPECT(&bob, 0, "updates of " ALICE_PHONE "'s card are off", "contacts",
           "updates", "1", "off");
    EXPECT(&alice, 0, "saved and uploaded", "card", "set",
           "email=nobody@changhong.cn");
    EXPECT(&bob, 0, "no new cards", "sync");
    EXPECT(&bob, 2, NULL, "contacts", "updates", "1", "maybe");
}
END_TEST

/* Alice's profiles: managed with cardx, and a send with one shows Bob
 * only its fields. */
START_TEST(profiles_by_cardx)
{
    struct result r;
    char num[32];

    EXPECT(&alice, 0, "no profiles", "card", "profile", "list");
    EXPECT(&alice, 0, "stored profile work", "card", "profile", "set", "work",
           "name", "org");
    EXPECT(&alice, 2, NULL, "card", "profile", "set", "bad", "shoe");
    EXPECT(&alice, 0, "work: name org", "card", "profile", "show", "work");
    EXPECT(&alice, 0, "the default profile is now work", "card", "profile",
           "default", "work");
    EXPECT(&alice, 0, "work (default): name org", "card", "profile");
    EXPECT(&alice, 4, NULL, "send", BOB_PHONE, "--profile", "home");
    EXPECT(&alice, 0, "queued: card", "send", BOB_PHONE, "--profile", "work",
           "--note", "work face");
    EXPECT(&bob, 0, "1 new card", "sync");
    snprintf(num, sizeof(num), "%ld", inbox_number(&bob, "work face"));
    r = RUN(&bob, "inbox", "show", num);
    assert_has(r.out, "Changhong");
    ck_assert_msg(strstr(r.out, "CEO") == NULL, "title shown:\n%s", r.out);
    result_free(&r);
    EXPECT(&bob, 0, "deleted inbox", "inbox", "delete", num);
    EXPECT(&alice, 0, "deleted profile work", "card", "profile", "delete",
           "work");
    EXPECT(&alice, 0, "no profiles", "card", "profile", "list");
}
END_TEST

/* With the server gone: everything local works, online commands fail
 * plainly. */
START_TEST(offline)
{
    char want[128];
    struct result r;

    ck_assert_int_eq(harness_prosody_stop(the_harness), 0);
    EXPECT(&bob, 0, "Alice Wang", "contacts", "list");
    EXPECT(&bob, 0, "Alice Wang", "contacts", "search", "alice");
    EXPECT(&bob, 0, "title    CEO", "contacts", "show", "1");
    EXPECT(&bob, 0, "after restart", "inbox", "list");
    EXPECT(&alice, 0, "Bob Li", "inbox");
    r = RUN(&bob, "send", ALICE_PHONE);
    ck_assert_int_eq(r.status, 3);
    snprintf(want, sizeof(want),
             "cardx: cannot connect to 127.0.0.1:%d: Connection refused",
             harness_c2s_port(the_harness));
    assert_has(r.err, want);
    result_free(&r);
    EXPECT(&bob, 0, "not uploaded yet", "card", "set", "title=CTO");
    EXPECT(&bob, 0, "(not uploaded yet", "card", "show");
    EXPECT(&bob, 0, "Alice Wang", "contacts");
}
END_TEST

/* Outside any test, so no ck_assert: returns 0 or -1. */
static int make_user_dir(struct user *u)
{
    snprintf(u->dir, sizeof(u->dir), "%s/%s", harness_rundir(the_harness),
             u->name);
    return mkdir(u->dir, 0700);
}

int main(void)
{
    Suite *s = suite_create("client_e2e");
    TCase *tc = tcase_create("users");
    int failed;

    the_harness = harness_new();
    if (!the_harness)
        return EXIT_FAILURE;
    if (make_user_dir(&alice) < 0 || make_user_dir(&bob) < 0) {
        perror("test_client_e2e: mkdir");
        harness_free(the_harness);
        return EXIT_FAILURE;
    }
    tcase_add_unchecked_fixture(tc, start_servers, stop_servers);
    /* In order: each step builds on the previous ones. */
    tcase_add_test(tc, register_users);
    tcase_add_test(tc, register_refusals);
    tcase_add_test(tc, send_to_offline_is_queued);
    tcase_add_test(tc, sync_fills_inbox);
    tcase_add_test(tc, shell_prints_arrivals);
    tcase_add_test(tc, reply_reaches_sender);
    tcase_add_test(tc, block_unblock_blocked);
    tcase_add_test(tc, updates_merge_into_contact);
    tcase_add_test(tc, profiles_by_cardx);
    tcase_add_test(tc, offline);
    suite_add_tcase(s, tc);
    /* The servers live in this process: no fork per test. */
    failed = test_run(s, TEST_NOFORK);
    if (failed)
        harness_keep_rundir(the_harness);
    harness_free(the_harness);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
