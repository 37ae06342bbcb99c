/* End-to-end test of photos and consent with the cardx program against a
 * real server and cardxd: a photo survives a send and an export byte for
 * byte; in ask mode a card waits until accepted, a declined one never
 * arrives; in contacts mode a known number passes and an unknown one is
 * dropped; senders hear "queued" throughout. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/lib/runner.h"

#define RUN_TIMEOUT_MS 60000
#define LINK_WAIT_MS 30000

static struct harness *the_harness;

/* phone as the wire and the stores keep it; shown as cardx prints it. */
struct user {
    const char *name, *password, *phone, *shown;
    char dir[PATH_MAX];
};

static struct user alice = {"alice", "alice-pw", "+8613800138000",
                            "+86 138 0013 8000", ""};
static struct user bob = {"bob", "bob-pw", "+8613900139000",
                          "+86 139 0013 9000", ""};
static struct user carol = {"carol", "carol-pw", "+8613700137000",
                            "+86 137 0013 7000", ""};
static struct user dave = {"dave", "dave-pw", "+8613600136000",
                           "+86 136 0013 6000", ""};

struct result {
    int status;
    char *out, *err;
};

static char *slurp_n(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&text, &n);
    int ch;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_ptr_nonnull(mem);
    while ((ch = getc(f)) != EOF)
        putc(ch, mem);
    fclose(f);
    fclose(mem);
    if (len)
        *len = n;
    return text;
}

/* Runs cardx as u with args (NULL-terminated), stdin from /dev/null. */
static struct result run(const struct user *u, const char *const *args)
{
    const char *dir = getenv("CARDX_BUILDDIR");
    char prog[PATH_MAX], config[2 * PATH_MAX], data[2 * PATH_MAX];
    char out[2 * PATH_MAX], err[2 * PATH_MAX];
    char *argv[32];
    long long deadline = clock_now_ms() + RUN_TIMEOUT_MS;
    struct result r;
    size_t n = 0;
    pid_t pid;
    int ws;

    snprintf(prog, sizeof(prog), "%s/client/cardx", dir ? dir : BUILDDIR);
    snprintf(config, sizeof(config), "--config=%s/cardx.conf", u->dir);
    snprintf(data, sizeof(data), "--data-dir=%s/data", u->dir);
    snprintf(out, sizeof(out), "%s/out", u->dir);
    snprintf(err, sizeof(err), "%s/err", u->dir);
    argv[n++] = prog;
    argv[n++] = config;
    argv[n++] = data;
    for (; *args && n + 1 < 32; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
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
        execv(argv[0], argv);
        _exit(127);
    }
    for (;;) {
        pid_t got = waitpid(pid, &ws, WNOHANG);
        if (got == pid)
            break;
        ck_assert_int_eq(got, 0);
        if (clock_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            ck_abort_msg("cardx did not finish within %d ms", RUN_TIMEOUT_MS);
        }
        usleep(20000);
    }
    r.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    r.out = slurp_n(out, NULL);
    r.err = slurp_n(err, NULL);
    return r;
}

#define RUN(u, ...) run((u), (const char *const[]){__VA_ARGS__, NULL})

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
}

static void assert_has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part), "'%s' not in:\n%s", part, text);
}

/* Runs, asserts the exit status and that stdout holds want. */
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

/* A send must be told "queued", whatever becomes of the card. */
static void send_queued(const struct user *from, const struct user *to)
{
    char want[64];

    snprintf(want, sizeof(want), "queued: card card-");
    EXPECT(from, 0, want, "send", to->phone);
}

/* The id of the only request u has, which must come from sender. */
static void only_request(const struct user *u, const struct user *sender,
                         char id[64])
{
    struct result r = RUN(u, "requests");
    const char *at;

    ck_assert_msg(r.status == 0, "requests: %s%s", r.out, r.err);
    at = strstr(r.out, "card-");
    ck_assert_msg(at == r.out, "no request first in:\n%s", r.out);
    ck_assert_int_eq(sscanf(at, "%63s", id), 1);
    assert_has(r.out, sender->shown);
    ck_assert_ptr_null(strstr(at + 5, "card-")); /* only one */
    result_free(&r);
}

static void start_servers(void)
{
    ck_assert_int_eq(harness_server_start(the_harness), 0);
    ck_assert_int_eq(harness_cardxd_start(the_harness), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(the_harness, LINK_WAIT_MS),
                     0);
}

static void stop_servers(void)
{
    harness_cardxd_stop(the_harness);
    harness_server_stop(the_harness);
}

static void register_user(const struct user *u)
{
    char jid[128], server[64], want[128];
    struct result r;

    snprintf(jid, sizeof(jid), "--jid=%s@%s", u->name,
             harness_domain(the_harness));
    snprintf(server, sizeof(server), "--server=127.0.0.1:%d",
             harness_c2s_port(the_harness));
    r = RUN(u, jid, server, "--insecure-plaintext", "register", "--phone",
            u->phone);
    ck_assert_msg(r.status == 0, "register %s (%d):\n%s%s", u->name, r.status,
                  r.out, r.err);
    snprintf(want, sizeof(want), "registered %s for %s@", u->shown, u->name);
    assert_has(r.out, want);
    result_free(&r);
}

START_TEST(register_users)
{
    register_user(&alice);
    register_user(&bob);
    register_user(&carol);
    register_user(&dave);
    EXPECT(&carol, 0, "saved and uploaded", "card", "set", "name=Carol Chen");
    EXPECT(&dave, 0, "saved and uploaded", "card", "set", "name=Dave Du");
}
END_TEST

/* The base64 of a file, as the export must write it. */
static char *file_base64(const char *path)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    size_t len;
    char *data = slurp_n(path, &len), *b64, *copy;

    b64 = xmpp_base64_encode(ctx, (unsigned char *)data, len);
    copy = strdup(b64);
    xmpp_free(ctx, b64);
    xmpp_ctx_free(ctx);
    free(data);
    return copy;
}

/* text with vCard line folding ("\r\n" and one space) undone, in place. */
static void unfold(char *text)
{
    char *d = text;

    for (char *s = text; *s;) {
        if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ')
            s += 3;
        else
            *d++ = *s++;
    }
    *d = '\0';
}

START_TEST(photo_survives_send_and_export)
{
    char face[PATH_MAX], arg[PATH_MAX + 8], out[PATH_MAX + 16];
    char *want, *got, *b64, *line;
    size_t want_len, got_len;
    struct result r;

    snprintf(face, sizeof(face), "%s/tests/unit/data/photo/face.jpg", SRCDIR);
    snprintf(arg, sizeof(arg), "photo=@%s", face);
    EXPECT(&alice, 0, "saved and uploaded", "card", "set", "name=Alice Wang",
           arg);
    EXPECT(&alice, 0, "photo    JPEG 96x64, 3778 bytes", "card", "show");
    send_queued(&alice, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
    EXPECT(&bob, 0, "photo    JPEG 96x64, 3778 bytes", "inbox", "show", "1");
    EXPECT(&bob, 0, "saved inbox #1 as contact", "inbox", "save", "1");
    snprintf(out, sizeof(out), "%s/alice.jpg", bob.dir);
    EXPECT(&bob, 0, "wrote ", "contacts", "photo", "1", out);
    want = slurp_n(face, &want_len);
    got = slurp_n(out, &got_len);
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_int_eq(memcmp(got, want, want_len), 0);
    free(got);
    free(want);
    r = RUN(&bob, "export", "-");
    ck_assert_int_eq(r.status, 0);
    unfold(r.out);
    b64 = file_base64(face);
    line = strstr(r.out, "\r\nPHOTO:data:image/jpeg;base64,");
    ck_assert_msg(line != NULL, "no PHOTO in:\n%s", r.out);
    line += strlen("\r\nPHOTO:data:image/jpeg;base64,");
    ck_assert_int_eq(strncmp(line, b64, strlen(b64)), 0);
    ck_assert_int_eq(strncmp(line + strlen(b64), "\r\n", 2), 0);
    free(b64);
    result_free(&r);
}
END_TEST

START_TEST(ask_holds_until_accepted)
{
    char id[64];

    EXPECT(&bob, 0, "anyone", "consent");
    EXPECT(&bob, 0, "ask: cards from the 1 number of your contacts arrive",
           "consent", "ask");
    EXPECT(&bob, 0, "ask", "consent");
    EXPECT(&bob, 0, "no cards wait for your consent", "requests");
    send_queued(&carol, &bob);
    EXPECT(&bob, 0, "no new cards", "sync");
    only_request(&bob, &carol, id);
    EXPECT(&bob, 0, "Carol Chen", "requests", "list");
    EXPECT(&bob, 0, "1 new card", "requests", "accept", id);
    EXPECT(&bob, 0, "Carol Chen", "inbox", "list");
    EXPECT(&bob, 0, "no cards wait for your consent", "requests");
    /* Trusted now: the next card comes at once. */
    EXPECT(&carol, 0, "saved and uploaded", "card", "set", "title=CTO");
    send_queued(&carol, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
    EXPECT(&bob, 0, "no cards wait for your consent", "requests");
    /* A contact passes too (Alice was saved before): not a request. */
    send_queued(&alice, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
}
END_TEST

START_TEST(declined_is_never_delivered)
{
    char id[64];
    struct result r;

    send_queued(&dave, &bob);
    only_request(&bob, &dave, id);
    EXPECT(&bob, 0, "declined", "requests", "decline", id);
    EXPECT(&bob, 0, "no cards wait for your consent", "requests");
    EXPECT(&bob, 0, "no new cards", "sync");
    r = RUN(&bob, "requests", "accept", id);
    ck_assert_int_eq(r.status, 4);
    assert_has(r.err, "no request");
    result_free(&r);
    r = RUN(&bob, "inbox", "list");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "Dave"));
    result_free(&r);
}
END_TEST

START_TEST(contacts_admits_known_drops_unknown)
{
    char vcf[PATH_MAX + 16];
    struct result r;
    FILE *f;

    EXPECT(&bob, 0, "contacts: cards from the 1 number", "consent", "contacts");
    send_queued(&alice, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
    /* Dave is neither a contact nor accepted: dropped, Dave hears the
     * same "queued". */
    send_queued(&dave, &bob);
    EXPECT(&bob, 0, "no new cards", "sync");
    EXPECT(&bob, 0, "no cards wait for your consent", "requests");
    r = RUN(&bob, "inbox", "list");
    ck_assert_ptr_null(strstr(r.out, "Dave"));
    result_free(&r);
    /* Carol, accepted in ask mode, passes. */
    send_queued(&carol, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
    /* Dave becomes a contact: the next sync tells cardxd, then he passes. */
    snprintf(vcf, sizeof(vcf), "%s/dave.vcf", bob.dir);
    f = fopen(vcf, "w");
    ck_assert_ptr_nonnull(f);
    fputs("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dave Du\r\nTEL:+8613600136000"
          "\r\nEND:VCARD\r\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
    EXPECT(&bob, 0, NULL, "import", vcf);
    EXPECT(&bob, 0, "told cardxd the numbers of your 2 contacts", "sync");
    send_queued(&dave, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
    EXPECT(&bob, 0, "anyone may send you cards", "consent", "anyone");
    r = RUN(&bob, "sync");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "told cardxd"));
    result_free(&r);
    send_queued(&dave, &bob);
    EXPECT(&bob, 0, "1 new card", "sync");
}
END_TEST

/* face.jpg padded after its end marker to the client's photo limit:
 * still a JPEG by its header, as large as a photo may be. */
static void write_largest_photo(const char *path)
{
    char face[PATH_MAX];
    size_t len;
    char *data;
    FILE *f;

    snprintf(face, sizeof(face), "%s/tests/unit/data/photo/face.jpg", SRCDIR);
    data = slurp_n(face, &len);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    for (; len < 32768; len++)
        ck_assert_int_ne(fputc(0, f), EOF);
    ck_assert_int_eq(fclose(f), 0);
    free(data);
}

/* The largest photo the client allows passes cardxd's default vcard_max
 * whole; under a smaller vcard_max the upload is refused and says why.
 * Restarts cardxd: keep it last. */
START_TEST(largest_photo_passes_smaller_limit_refuses)
{
    char big[PATH_MAX + 16], arg[PATH_MAX + 32], out[PATH_MAX + 16];
    char *want, *got;
    size_t want_len, got_len;
    struct result r;
    int ups;

    snprintf(big, sizeof(big), "%s/big.jpg", carol.dir);
    write_largest_photo(big);
    snprintf(arg, sizeof(arg), "photo=@%s", big);
    EXPECT(&carol, 0, "saved and uploaded", "card", "set", arg);
    EXPECT(&carol, 0, "photo    JPEG 96x64, 32768 bytes", "card", "show");
    send_queued(&carol, &dave);
    EXPECT(&dave, 0, "1 new card", "sync");
    EXPECT(&dave, 0, "saved inbox #1 as contact", "inbox", "save", "1");
    snprintf(out, sizeof(out), "%s/carol.jpg", dave.dir);
    EXPECT(&dave, 0, "32768 bytes", "contacts", "photo", "1", out);
    want = slurp_n(big, &want_len);
    got = slurp_n(out, &got_len);
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_int_eq(memcmp(got, want, want_len), 0);
    free(got);
    free(want);

    ck_assert_int_ge(harness_cardxd_stop(the_harness), 0);
    ck_assert_int_eq(harness_cardxd_config_append(the_harness,
                                                  "[limits]\nvcard_max = "
                                                  "16384\n"),
                     0);
    ups = harness_cardxd_link_ups(the_harness);
    ck_assert_int_eq(harness_cardxd_start(the_harness), 0);
    ck_assert_int_eq(
        harness_cardxd_wait_link_up(the_harness, ups + 1, LINK_WAIT_MS), 0);
    r = RUN(&carol, "card", "set", "title=Photographer");
    ck_assert_msg(r.status == 4, "exit %d:\n%s%s", r.status, r.out, r.err);
    assert_has(r.out, "saved locally; not uploaded yet");
    assert_has(r.err, "the card is larger than the limit");
    result_free(&r);
}
END_TEST

static int make_user_dir(struct user *u)
{
    snprintf(u->dir, sizeof(u->dir), "%s/%s", harness_rundir(the_harness),
             u->name);
    return mkdir(u->dir, 0700);
}

int main(void)
{
    Suite *s = suite_create("media");
    TCase *tc = tcase_create("users");
    int failed;

    the_harness = harness_new();
    if (!the_harness)
        return EXIT_FAILURE;
    if (make_user_dir(&alice) < 0 || make_user_dir(&bob) < 0 ||
        make_user_dir(&carol) < 0 || make_user_dir(&dave) < 0) {
        perror("test_media: mkdir");
        harness_free(the_harness);
        return EXIT_FAILURE;
    }
    tcase_add_unchecked_fixture(tc, start_servers, stop_servers);
    tcase_set_timeout(tc, 300);
    /* In order: each step builds on the previous ones. */
    tcase_add_test(tc, register_users);
    tcase_add_test(tc, photo_survives_send_and_export);
    tcase_add_test(tc, ask_holds_until_accepted);
    tcase_add_test(tc, declined_is_never_delivered);
    tcase_add_test(tc, contacts_admits_known_drops_unknown);
    tcase_add_test(tc, largest_photo_passes_smaller_limit_refuses);
    suite_add_tcase(s, tc);
    failed = test_run(s, TEST_NOFORK);
    if (failed)
        harness_keep_rundir(the_harness);
    harness_free(the_harness);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
