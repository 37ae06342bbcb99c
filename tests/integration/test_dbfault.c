/* Integration tests of cardxd when its database fails: a full disk, a lock
 * held by another process, a damaged file, and the live backup. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

#define PING "<iq type='get'><ping xmlns='" NS_PING "'/></iq>"
/* An upper bound for an answer while the database is locked: generous, so
 * as not to flake; without the bound the service froze for 5 s per call. */
#define LOCKED_ANSWER_MAX_MS 5000
/* The small disk the full-disk test fills. */
#define SMALL_DISK "size=2m"

static char mountpoint[512]; /* "" when nothing is mounted */
static pid_t lock_pid;       /* the process holding a lock, 0 when none */

/* Ends the lock holder of a test, even one that failed midway: the next
 * test must not find the database locked. */
static void lock_release(void)
{
    if (lock_pid > 0) {
        kill(-lock_pid, SIGTERM);
        waitpid(lock_pid, NULL, 0);
    }
    lock_pid = 0;
}

static void dbfault_teardown(void)
{
    lock_release();
    if (mountpoint[0]) {
        harness_cardxd_kill(itest_harness(), SIGKILL);
        if (umount2(mountpoint, MNT_DETACH) < 0)
            fprintf(stderr, "umount %s: %s\n", mountpoint, strerror(errno));
        rmdir(mountpoint);
        mountpoint[0] = '\0';
    }
    itest_teardown();
}

static char *run_path(const char *name)
{
    char *p = str_printf("%s/%s", harness_rundir(itest_harness()), name);

    ck_assert_ptr_nonnull(p);
    return p;
}

/* Runs a shell command; returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    va_list ap;
    char *cmd;
    int st;

    va_start(ap, fmt);
    cmd = str_vprintf(fmt, ap);
    va_end(ap);
    ck_assert_ptr_nonnull(cmd);
    st = system(cmd);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The first line that cmd prints (stdout and stderr), into buf. */
static int sh_line(char *buf, size_t size, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    int st;

    ck_assert_ptr_nonnull(p);
    buf[0] = '\0';
    if (!fgets(buf, (int)size, p))
        buf[0] = '\0';
    while (fgetc(p) != EOF)
        ;
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void restart_cardxd(const char *ini)
{
    struct harness *h = itest_harness();

    harness_cardxd_stop(h);
    if (ini)
        ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(h, ITEST_TIMEOUT_MS), 0);
}

static const char *cardxd_bin(void)
{
    const char *b = getenv("CARDX_BUILDDIR");
    static char path[512];

    snprintf(path, sizeof(path), "%s/component/cardxd", b ? b : ".");
    return path;
}

/* A message to the proxy JID of phone, answered by an error of condition
 * (or, with condition NULL, by nothing within the quiet time). */
static void message_send_expect(struct xclient *c, const char *phone,
                                const char *condition)
{
    char to[256], xml[512];
    xmpp_stanza_t *msg = NULL;

    itest_proxy_jid(to, sizeof(to), phone);
    snprintf(xml, sizeof(xml),
             "<message to='%s' type='chat' id='m1'><body>hello</body>"
             "</message>",
             to);
    ck_assert_int_eq(xclient_send_text(c, xml), 0);
    ck_assert_int_eq(xclient_wait_message(c, ITEST_TIMEOUT_MS, &msg), 0);
    ck_assert_str_eq(xmpp_stanza_get_type(msg), "error");
    ck_assert_str_eq(itest_condition(msg), condition);
    xmpp_stanza_release(msg);
}

START_TEST(backup_while_running)
{
    struct xclient *a = itest_login("bk-alice", 1, 1);
    char *db = run_path("cardxd.sqlite"), *copy = run_path("backup.sqlite");
    char *conf = run_path("cardxd.conf");
    char line[512], cmd[2048];

    itest_register_phone(a, "+8613900138001");
    itest_upload_card(a, "Alice Backup", "+8613900138001");
    snprintf(cmd, sizeof(cmd), "%s -c %s --backup %s 2>&1", cardxd_bin(), conf,
             copy);
    ck_assert_int_eq(sh_line(line, sizeof(line), cmd), 0);
    ck_assert(harness_cardxd_running(itest_harness()));
    /* The copy holds what the live file holds. */
    ck_assert_int_eq(sh("test \"$(sqlite3 %s 'SELECT count(*) FROM users; "
                        "SELECT count(*) FROM cards')\" = \"$(sqlite3 %s "
                        "'SELECT count(*) FROM users; SELECT count(*) FROM "
                        "cards')\"",
                        db, copy),
                     0);
    ck_assert_int_eq(sh("sqlite3 %s \"SELECT 1 FROM users u JOIN cards c ON "
                        "c.user_id = u.id WHERE u.phone = '+8613900138001' AND "
                        "c.vcard LIKE '%%Alice Backup%%'\" | grep -qx 1",
                        copy),
                     0);
    /* A copy into a folder that does not exist is a one-line error. */
    snprintf(cmd, sizeof(cmd), "%s -c %s --backup /nonexistent/x.sqlite 2>&1",
             cardxd_bin(), conf);
    ck_assert_int_ne(sh_line(line, sizeof(line), cmd), 0);
    ck_assert_ptr_nonnull(strstr(line, "cardxd: backing up"));
    xclient_disconnect_free(a);
    free(db);
    free(copy);
    free(conf);
}
END_TEST

/* A process group holding BEGIN EXCLUSIVE on db until killed. */
static pid_t lock_hold(const char *db)
{
    static const char script[] =
        "{ printf 'BEGIN EXCLUSIVE;\\n.print locked\\n'; exec sleep 600; } "
        "| sqlite3 \"$0\"";
    int fds[2];
    pid_t pid;
    char buf[8];

    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fds[1], 1);
        close(fds[0]);
        /* sqlite3 keeps the lock while its input stays open. */
        execl("/bin/sh", "sh", "-c", script, db, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    ck_assert_int_gt(read(fds[0], buf, sizeof(buf)), 0);
    close(fds[0]);
    return pid;
}

START_TEST(locked_database_answers_wait)
{
    struct xclient *a = itest_login("lk-alice", 1, 1);
    struct xclient *b = itest_login("lk-bob", 1, 1);
    char *db = run_path("cardxd.sqlite");
    struct itest_sent sent;
    xmpp_stanza_t *reply = NULL;
    int64_t t0;

    itest_register_phone(a, "+8613900138011");
    itest_upload_card(a, "Alice Locked", "+8613900138011");
    itest_register_phone(b, "+8613900138012");
    lock_pid = lock_hold(db);
    t0 = clock_now_ms();
    ck_assert_str_eq(itest_send(a, "+8613900138012", NULL, &sent),
                     "error:resource-constraint");
    ck_assert_int_lt(clock_now_ms() - t0, LOCKED_ANSWER_MAX_MS);
    ck_assert_int_eq(itest_iq(b, PING, &reply), 0);
    xmpp_stanza_release(reply);
    lock_release();
    /* The lock is gone with its process: sends work again (b is online;
     * the answer does not say so, [privacy] reveal_online = no). */
    ck_assert_str_eq(itest_send(a, "+8613900138012", NULL, &sent), "queued");
    reply = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_ptr_nonnull(reply);
    xmpp_stanza_release(reply);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    free(db);
}
END_TEST

/* Damages a copy of the live database at byte offset off (a page in the
 * middle, or the header) and checks cardxd refuses it untouched. */
static void refuses_damaged(const char *name, const char *where)
{
    struct harness *h = itest_harness();
    char *db = run_path("cardxd.sqlite"), *bad = run_path(name);
    char *conf = run_path("cardxd.conf"), *log = run_path("cardxd.log");
    char ini[1024], cmd[2048], line[1024], sum[128], sum2[128];
    int status;

    ck_assert_int_eq(
        sh("cp %s %s && cd %s && %s", db, bad, harness_rundir(h), where), 0);
    snprintf(cmd, sizeof(cmd), "sha256sum %s", bad);
    sh_line(sum, sizeof(sum), cmd);
    snprintf(ini, sizeof(ini), "[storage]\ndatabase = %s\n", bad);
    ck_assert_int_eq(harness_cardxd_config_append(h, ini), 0);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    for (int i = 0; i < 100 && harness_cardxd_running(h); i++)
        usleep(100000);
    status = harness_cardxd_stop(h);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
                  "cardxd ran on a damaged database (status %d)", status);
    ck_assert_int_eq(sh("grep -q '%s: the database is damaged' %s", bad, log),
                     0);
    /* cardxd -t says the same. */
    snprintf(cmd, sizeof(cmd), "%s -t -c %s 2>&1", cardxd_bin(), conf);
    ck_assert_int_ne(sh_line(line, sizeof(line), cmd), 0);
    ck_assert_msg(strstr(line, bad) && strstr(line, "damaged"), "%s", line);
    snprintf(cmd, sizeof(cmd), "sha256sum %s", bad);
    sh_line(sum2, sizeof(sum2), cmd);
    ck_assert_str_eq(sum, sum2);
    free(db);
    free(bad);
    free(conf);
    free(log);
}

START_TEST(damaged_database_refused)
{
    struct xclient *a = itest_login("cr-alice", 1, 1);
    struct xclient *b = itest_login("cr-bob", 0, 1);
    struct itest_sent sent;
    char note[200];
    char *db = run_path("cardxd.sqlite");

    itest_register_phone(a, "+8613900138021");
    itest_upload_card(a, "Alice Corrupt", "+8613900138021");
    itest_register_phone(b, "+8613900138022");
    xclient_disconnect_free(b);
    /* Enough cards waiting that the file has pages in the middle: one per
     * number, as a sender has at most one waiting for each ([limits]); the
     * fixture holds cards for numbers nobody has and lifts the rates. */
    memset(note, 'n', sizeof(note) - 1);
    note[sizeof(note) - 1] = '\0';
    ck_assert_str_eq(itest_send(a, "+8613900138022", note, &sent), "queued");
    for (int i = 0; i < 60; i++) {
        char number[32];

        snprintf(number, sizeof(number), "+86139001381%02d", i);
        ck_assert_str_eq(itest_send(a, number, note, &sent), "queued");
    }
    xclient_disconnect_free(a);
    /* A clean stop folds the WAL into the file. */
    ck_assert_int_eq(harness_cardxd_stop(itest_harness()), 0);
    refuses_damaged("middle.sqlite",
                    "n=$(($(stat -c %s middle.sqlite) / 4096)); "
                    "head -c 4096 /dev/urandom | dd of=middle.sqlite bs=4096 "
                    "seek=$((n / 2)) conv=notrunc status=none");
    refuses_damaged("header.sqlite",
                    "printf 'this is not a database header at all....' | "
                    "dd of=header.sqlite conv=notrunc status=none");
    /* The live file itself was not touched: cardxd starts on it again. */
    {
        char ini[1024];

        snprintf(ini, sizeof(ini), "[storage]\ndatabase = %s\n", db);
        restart_cardxd(ini);
    }
    free(db);
}
END_TEST

START_TEST(full_disk_answers_and_recovers)
{
    struct harness *h = itest_harness();
    struct xclient *a = itest_login("fd-alice", 1, 1);
    struct xclient *b = itest_login("fd-bob", 1, 1);
    char *dir = run_path("small"), ini[1024];
    struct itest_sent sent;
    xmpp_stanza_t *reply = NULL;
    int ups;

    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, SMALL_DISK), 0);
    snprintf(mountpoint, sizeof(mountpoint), "%s", dir);
    snprintf(ini, sizeof(ini), "[storage]\ndatabase = %s/cardxd.sqlite\n", dir);
    restart_cardxd(ini);
    /* The users register on the new database; bob comes online after. */
    itest_register_phone(a, "+8613900138031");
    itest_upload_card(a, "Alice Full", "+8613900138031");
    itest_register_phone(b, "+8613900138032");
    xclient_disconnect_free(b);
    b = itest_relogin("fd-bob", 1, 1);
    ups = harness_cardxd_link_ups(h);
    /* Fill the disk to the last byte. */
    sh("dd if=/dev/zero of=%s/filler bs=4096 status=none 2>/dev/null; "
       "dd if=/dev/zero of=%s/filler2 bs=1 status=none 2>/dev/null",
       dir, dir);
    ck_assert_str_eq(itest_send(a, "+8613900138032", NULL, &sent),
                     "error:resource-constraint");
    message_send_expect(a, "+8613900138032", "resource-constraint");
    ck_assert_int_eq(itest_iq(a, PING, &reply), 0);
    xmpp_stanza_release(reply);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    /* Space returns: service resumes by itself. */
    ck_assert_int_eq(sh("rm -f %s/filler %s/filler2", dir, dir), 0);
    ck_assert_str_ne(itest_send(a, "+8613900138032", NULL, &sent),
                     "error:resource-constraint");
    ck_assert_int_eq(sent.id[0] != '\0', 1);
    reply = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_ptr_nonnull(reply);
    xmpp_stanza_release(reply);
    ck_assert_int_eq(harness_cardxd_link_ups(h), ups);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    free(dir);
}
END_TEST

/* Many cards from one sender need many numbers: held ones, and no rates. */
static void dbfault_setup(void)
{
    itest_setup_with("[limits]\nsends_per_minute = 0\nsends_per_day = 0\n"
                     "lookups_per_day = 0\n"
                     "[privacy]\nunknown_numbers = hold\n");
}

static Suite *dbfault_suite(void)
{
    Suite *s = suite_create("dbfault");
    TCase *tc = tcase_create("prosody");

    tcase_add_unchecked_fixture(tc, dbfault_setup, dbfault_teardown);
    tcase_add_checked_fixture(tc, NULL, lock_release);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, backup_while_running);
    tcase_add_test(tc, locked_database_answers_wait);
    tcase_add_test(tc, damaged_database_refused);
    tcase_add_test(tc, full_disk_answers_and_recovers);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(dbfault_suite)
