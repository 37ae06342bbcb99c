/* Example: receive business cards with libcardx on a GLib main loop, as a
 * GTK or Phosh app would.
 *
 *   recv_glib jid=bob@example.org password=secret data_dir=/tmp/bob \
 *             [server=HOST:PORT] [tls=no] [count=N]
 *
 * A GSource watches the client's fd for the events it wants and wakes at
 * its timeout; dispatching it processes the client.
 * Build: cc recv_glib.c $(pkg-config --cflags --libs cardx glib-2.0) */
#include <cardx.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cardx_source {
    GSource source;
    cardx_client *client;
    gpointer tag; /* the fd's tag, NULL when none is watched */
    int fd;
};

/* Before each poll: watch the fd the client has now, for what it wants. */
static gboolean source_prepare(GSource *source, gint *timeout)
{
    struct cardx_source *cs = (struct cardx_source *)source;
    int fd = cardx_client_fd(cs->client);
    int events = cardx_client_events(cs->client);
    GIOCondition cond = G_IO_ERR | G_IO_HUP;

    if (cs->tag && fd != cs->fd) {
        g_source_remove_unix_fd(source, cs->tag);
        cs->tag = NULL;
    }
    if (events & CARDX_WANT_READ)
        cond |= G_IO_IN;
    if (events & CARDX_WANT_WRITE)
        cond |= G_IO_OUT;
    if (fd >= 0 && !cs->tag)
        cs->tag = g_source_add_unix_fd(source, fd, cond);
    else if (cs->tag)
        g_source_modify_unix_fd(source, cs->tag, cond);
    cs->fd = fd;
    *timeout = cardx_client_timeout_ms(cs->client);
    /* Connecting before the socket exists: look again soon. */
    if (fd < 0 && *timeout < 0)
        *timeout = 100;
    return *timeout == 0;
}

static gboolean source_dispatch(GSource *source, GSourceFunc cb, gpointer ud)
{
    struct cardx_source *cs = (struct cardx_source *)source;

    cardx_client_process(cs->client);
    return cb ? cb(ud) : G_SOURCE_CONTINUE;
}

static GSourceFuncs cardx_source_funcs = {
    .prepare = source_prepare,
    .dispatch = source_dispatch,
};

/* The source takes no ownership of client. */
static GSource *cardx_source_new(cardx_client *client)
{
    GSource *source =
        g_source_new(&cardx_source_funcs, sizeof(struct cardx_source));
    struct cardx_source *cs = (struct cardx_source *)source;

    cs->client = client;
    cs->fd = -1;
    return source;
}

struct app {
    GMainLoop *loop;
    int wanted, got, error;
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
            fprintf(stderr, "recv_glib: %s\n", reason);
        app->error = error;
        g_main_loop_quit(app->loop);
    }
}

static void on_card(void *ud, const cardx_card *card)
{
    struct app *app = ud;
    const char *name = cardx_card_get(card, "name");

    printf("card from %s: %s (inbox #%lld)\n", cardx_card_sender(card),
           name ? name : "(no name)", (long long)cardx_card_id(card));
    fflush(stdout);
    if (app->wanted && ++app->got >= app->wanted)
        g_main_loop_quit(app->loop);
}

int main(int argc, char **argv)
{
    struct cardx_callbacks cb = {.state = on_state, .card = on_card};
    struct app app = {0};
    cardx_settings *s = cardx_settings_new();
    cardx_client *c = NULL;
    GSource *source;
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
    app.loop = g_main_loop_new(NULL, FALSE);
    rc = s ? cardx_client_new(s, &cb, &app, &c, &err) : CARDX_E_NOMEM;
    cardx_settings_free(s);
    if (rc == CARDX_OK)
        rc = cardx_client_connect(c);
    if (rc != CARDX_OK) {
        fprintf(stderr, "recv_glib: %s\n", err ? err : cardx_strerror(rc));
        cardx_free(err);
        cardx_client_free(c);
        g_main_loop_unref(app.loop);
        return 1;
    }
    source = cardx_source_new(c);
    g_source_attach(source, NULL);
    g_main_loop_run(app.loop);
    g_source_destroy(source);
    g_source_unref(source);
    /* Let the acknowledgement of the last card go out. */
    cardx_client_run_until_idle(c, 0);
    cardx_client_free(c);
    g_main_loop_unref(app.loop);
    return app.error == CARDX_OK ? 0 : 1;
}
