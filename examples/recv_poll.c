/* Example: receive business cards with libcardx in your own poll() loop.
 *
 *   recv_poll jid=bob@example.org password=secret data_dir=/tmp/bob \
 *             [server=HOST:PORT] [tls=no] [count=N]
 *
 * Connects, prints each card as it arrives (it is already in the inbox of
 * data_dir when the callback runs) and exits after count cards (default:
 * runs until the connection ends).
 * Build: cc recv_poll.c $(pkg-config --cflags --libs cardx) */
#include <cardx.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app {
    int wanted, got, done, error;
};

static void on_state(void *ud, enum cardx_state state, int error,
                     const char *reason)
{
    struct app *app = ud;

    if (state == CARDX_STATE_ONLINE) {
        printf("online\n");
        fflush(stdout);
    } else if (state == CARDX_STATE_OFFLINE) {
        if (error != CARDX_OK)
            fprintf(stderr, "recv_poll: %s\n", reason);
        app->done = 1;
        app->error = error;
    }
}

static void on_card(void *ud, const cardx_card *card)
{
    struct app *app = ud;
    const char *name = cardx_card_get(card, "name");

    printf("card from %s: %s (inbox #%lld)\n", cardx_card_sender(card),
           name ? name : "(no name)", (long long)cardx_card_id(card));
    fflush(stdout);
    app->got++;
}

int main(int argc, char **argv)
{
    struct cardx_callbacks cb = {.state = on_state, .card = on_card};
    struct app app = {0};
    cardx_settings *s = cardx_settings_new();
    cardx_client *c = NULL;
    char *err = NULL;
    int rc;

    for (int i = 1; s && i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (!eq)
            return 2;
        *eq = '\0';
        if (strcmp(argv[i], "count") == 0)
            app.wanted = atoi(eq + 1);
        else if (cardx_settings_set(s, argv[i], eq + 1) != CARDX_OK)
            return 2;
    }
    rc = s ? cardx_client_new(s, &cb, &app, &c, &err) : CARDX_E_NOMEM;
    cardx_settings_free(s);
    if (rc == CARDX_OK)
        rc = cardx_client_connect(c);
    if (rc != CARDX_OK) {
        fprintf(stderr, "recv_poll: %s\n", err ? err : cardx_strerror(rc));
        cardx_free(err);
        cardx_client_free(c);
        return 1;
    }
    while (!app.done && (!app.wanted || app.got < app.wanted)) {
        int events = cardx_client_events(c);
        struct pollfd p = {.fd = cardx_client_fd(c), .events = 0};

        if (events & CARDX_WANT_READ)
            p.events |= POLLIN;
        if (events & CARDX_WANT_WRITE)
            p.events |= POLLOUT;
        /* Before the socket exists the fd is -1: poll just waits. */
        poll(&p, 1,
             cardx_client_timeout_ms(c) < 0 ? 1000
                                            : cardx_client_timeout_ms(c));
        cardx_client_process(c);
    }
    /* Let the acknowledgement of the last card go out. */
    cardx_client_run_until_idle(c, 0);
    cardx_client_free(c);
    return app.error == CARDX_OK ? 0 : 1;
}
