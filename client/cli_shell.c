/* cardx shell: one libcardx client kept online, cards printed as they
 * arrive, the same commands read line by line from standard input, and
 * reconnection with backoff when the connection drops. */
#include "client/cli.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cliparse.h"
#include "client/settings.h"
#include "common/util.h"

#define _(s) cmd_tr(s)

#define SHELL_LINE_MAX 8192
#define SHELL_SLICE_MS 100
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000

struct shell {
    struct cardx_cmd *c;
    char buf[SHELL_LINE_MAX];
    size_t len;
    int eof, quit;
    int announced;    /* presence sent on the current connection */
    int backoff_ms;   /* next delay between attempts */
    int64_t next_try; /* when to reconnect while offline */
};

static void prompt(struct shell *sh)
{
    if (sh->c->interactive) {
        fputs("cardx> ", sh->c->out);
        fflush(sh->c->out);
    }
}

static void run_line(struct shell *sh, const char *line)
{
    struct cardx_cmd *c = sh->c;
    char **argv = NULL, *err = NULL;
    int argc = cliparse_split(line, &argv, &err);

    if (argc < 0) {
        cmd_fail(c, CARDX_EXIT_USAGE, "%s", err ? err : "out of memory");
    } else if (argc == 0) {
        /* blank line or comment */
    } else if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0) {
        sh->quit = 1;
    } else if (strcmp(argv[0], "shell") == 0) {
        cmd_fail(c, CARDX_EXIT_USAGE, "already in the shell");
    } else {
        cmd_run(c, argc, argv);
    }
    free(err);
    cliparse_free(argv);
    fflush(c->out);
    fflush(c->err);
    if (!sh->quit)
        prompt(sh);
}

/* Runs every complete line in the buffer (and the rest at end of input). */
static void run_lines(struct shell *sh)
{
    char *nl;

    while (!sh->quit && (nl = memchr(sh->buf, '\n', sh->len))) {
        size_t n = (size_t)(nl - sh->buf) + 1;

        *nl = '\0';
        run_line(sh, sh->buf);
        memmove(sh->buf, sh->buf + n, sh->len - n);
        sh->len -= n;
    }
    if (!sh->quit && (sh->eof || sh->len == sizeof(sh->buf) - 1) && sh->len) {
        sh->buf[sh->len] = '\0';
        sh->len = 0;
        run_line(sh, sh->buf);
    }
}

/* Reads what input there is and runs the lines that came. */
static void take_input(struct shell *sh)
{
    ssize_t n = read(fileno(sh->c->in), sh->buf + sh->len,
                     sizeof(sh->buf) - 1 - sh->len);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0)
        sh->eof = 1;
    else
        sh->len += (size_t)n;
    run_lines(sh);
}

/* Waits up to ms for input or the client (as its fd and timeout ask),
 * lets the client work, then runs the lines that came. */
static void wait_and_run(struct shell *sh, int ms)
{
    cardx_client *cl = sh->c->client;
    int events = cardx_client_events(cl), t = cardx_client_timeout_ms(cl);
    struct pollfd pfd[2] = {
        {.fd = fileno(sh->c->in), .events = POLLIN},
        {.fd = cardx_client_fd(cl), .events = 0},
    };

    if (events & CARDX_WANT_READ)
        pfd[1].events |= POLLIN;
    if (events & CARDX_WANT_WRITE)
        pfd[1].events |= POLLOUT;
    if (t >= 0 && t < ms)
        ms = t;
    if (poll(pfd, 2, ms) < 0)
        pfd[0].revents = 0;
    cardx_client_process(cl);
    if (pfd[0].revents)
        take_input(sh);
}

/* Once per connection: take what waits (going online asked for it and
 * uploaded a changed card), say how much. */
static void announce(struct shell *sh)
{
    struct cardx_cmd *c = sh->c;

    sh->announced = 1;
    sh->backoff_ms = BACKOFF_MIN_MS;
    c->lib_added = 0;
    if (cardx_client_run_until_idle(c->client, c->settings->quiet_ms) !=
        CARDX_OK)
        return;
    cmd_print_count(c, c->lib_added);
    fflush(c->out);
}

static void schedule_retry(struct shell *sh)
{
    sh->next_try = clock_now_ms() + sh->backoff_ms;
    sh->backoff_ms *= 2;
    if (sh->backoff_ms > BACKOFF_MAX_MS)
        sh->backoff_ms = BACKOFF_MAX_MS;
}

/* While offline: a fresh connection attempt when the backoff allows. */
static void try_reconnect(struct shell *sh)
{
    struct cardx_cmd *c = sh->c;
    int rc;

    if (clock_now_ms() < sh->next_try)
        return;
    rc = cardx_client_connect_blocking(c->client);
    if (rc == CARDX_OK) {
        fputs(_("back online\n"), c->out);
        fflush(c->out);
        return;
    }
    cmd_fail(c, cmd_lib_status(rc), "%s; retrying in %d s",
             cardx_client_errmsg(c->client), sh->backoff_ms / 1000);
    schedule_retry(sh);
}

/* One turn: keep the connection, take cards, read commands. */
static void turn(struct shell *sh)
{
    struct cardx_cmd *c = sh->c;
    int online = cardx_client_state(c->client) == CARDX_STATE_ONLINE;

    if (online && !sh->announced)
        announce(sh);
    online = cardx_client_state(c->client) == CARDX_STATE_ONLINE;
    if (!online && sh->announced) {
        cmd_fail(c, CARDX_EXIT_NETWORK, "%s; reconnecting",
                 cardx_client_errmsg(c->client));
        sh->announced = 0;
        schedule_retry(sh);
    }
    if (!online)
        try_reconnect(sh);
    wait_and_run(sh, SHELL_SLICE_MS);
}

int cmd_shell(struct cardx_cmd *c, int argc, char **argv)
{
    struct shell *sh;
    int status;

    (void)argv;
    if (argc != 1)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx shell");
    if (c->in_shell)
        return cmd_fail(c, CARDX_EXIT_USAGE, "already in the shell");
    if (!cmd_lib_store(c, &status))
        return status;
    if (!cmd_lib_online(c, &status) && status != CARDX_EXIT_NETWORK)
        return status; /* no account or wrong password: retrying won't do */
    sh = calloc(1, sizeof(*sh));
    if (!sh)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    sh->c = c;
    sh->backoff_ms = BACKOFF_MIN_MS;
    c->in_shell = 1;
    c->show_cards = 1;
    if (cardx_client_state(c->client) != CARDX_STATE_ONLINE)
        schedule_retry(sh);
    fprintf(c->out,
            _("cardx shell for %s: type help for commands, quit to "
              "leave\n"),
            c->settings->jid);
    prompt(sh);
    while (!sh->eof && !sh->quit)
        turn(sh);
    c->in_shell = 0;
    c->show_cards = 0;
    free(sh);
    /* Closes the stream cleanly, waiting briefly for the server. */
    cardx_client_free(c->client);
    c->client = NULL;
    return CARDX_EXIT_OK;
}
