/* Unit tests of the component link's liveness (keepalive ping, read
 * deadline) on an injected clock, and of its walk through the server's
 * addresses, against a fake server on loopback. */
#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "component/link.h"
#include "component/link_int.h"
#include "tests/lib/runner.h"
#include "xep/ns.h"

#define DOMAIN "cards.example.test"
#define PING_TO "example.test"
#define KEEPALIVE_MS 1000
#define READ_TIMEOUT_MS 3000
#define RECONNECT_MIN_MS 100
/* Bounds every wait on the socket; never asserted as speed. */
#define WAIT_MS 5000
#define T0 1000000 /* the injected clock's start */

/* The link, the fake server's sockets and what the callbacks saw. */
struct fix {
    xmpp_ctx_t *ctx;
    struct link *ln;
    int listen_fd;
    int conn_fd; /* the server's end of the link */
    int ups, downs, stanzas;
    char heard[8192]; /* what the server read, NUL-terminated */
    size_t nheard;
};

static void on_up(void *ud)
{
    ((struct fix *)ud)->ups++;
}

static void on_down(void *ud)
{
    ((struct fix *)ud)->downs++;
}

static void on_stanza(void *ud, xmpp_stanza_t *stanza)
{
    (void)stanza;
    ((struct fix *)ud)->stanzas++;
}

static void fix_init(struct fix *fx, int64_t keepalive, int64_t read_timeout)
{
    static const struct link_callbacks cb = {on_up, on_down, on_stanza};
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    struct link_params params = {
        .host = "127.0.0.1",
        .domain = DOMAIN,
        .secret = "s3cret",
        .reconnect_min_ms = RECONNECT_MIN_MS,
        .reconnect_max_ms = 2 * RECONNECT_MIN_MS,
        .stanza_max = 65536,
        .keepalive_ms = keepalive,
        .read_timeout_ms = read_timeout,
        .ping_to = PING_TO,
    };

    memset(fx, 0, sizeof(*fx));
    fx->conn_fd = -1;
    fx->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fx->listen_fd, 0);
    ck_assert_int_eq(bind(fx->listen_fd, (struct sockaddr *)&sa, len), 0);
    ck_assert_int_eq(listen(fx->listen_fd, 1), 0);
    ck_assert_int_eq(getsockname(fx->listen_fd, (struct sockaddr *)&sa, &len),
                     0);
    params.port = ntohs(sa.sin_port);
    fx->ctx = xmpp_ctx_new(NULL, NULL);
    ck_assert_ptr_nonnull(fx->ctx);
    fx->ln = link_new(fx->ctx, &params, &cb, fx, NULL);
    ck_assert_ptr_nonnull(fx->ln);
}

static void fix_free(struct fix *fx)
{
    link_free(fx->ln);
    xmpp_ctx_free(fx->ctx);
    if (fx->conn_fd >= 0)
        close(fx->conn_fd);
    close(fx->listen_fd);
}

/* Waits for the link's socket and hands what happened to the link at the
 * injected time now; then writes its output. */
static void link_pump(struct fix *fx, int64_t now)
{
    struct pollfd p = {link_fd(fx->ln), link_events(fx->ln), 0};

    ck_assert_int_ge(p.fd, 0);
    ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
    link_process(fx->ln, p.revents, now);
    link_flush(fx->ln);
}

/* The server reads until what it heard holds want; fails on timeout. */
static void server_hear(struct fix *fx, const char *want)
{
    while (!strstr(fx->heard, want)) {
        struct pollfd p = {fx->conn_fd, POLLIN, 0};
        ssize_t n;

        ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "never heard %s in: %s", want,
                      fx->heard);
        n = read(fx->conn_fd, fx->heard + fx->nheard,
                 sizeof(fx->heard) - 1 - fx->nheard);
        ck_assert_int_gt(n, 0);
        fx->nheard += (size_t)n;
        fx->heard[fx->nheard] = '\0';
    }
}

/* Forgets what the server heard so far. */
static void server_forget(struct fix *fx)
{
    fx->nheard = 0;
    fx->heard[0] = '\0';
}

static void server_say(struct fix *fx, const char *xml)
{
    ck_assert_int_eq(write(fx->conn_fd, xml, strlen(xml)),
                     (ssize_t)strlen(xml));
}

/* Connects and completes the handshake, all at the injected time now. */
static void fix_attach(struct fix *fx, int64_t now)
{
    link_tick(fx->ln, now);
    fx->conn_fd = accept4(fx->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(fx->conn_fd, 0);
    link_pump(fx, now); /* connected: the stream header goes */
    server_hear(fx, "to='" DOMAIN "'>");
    server_say(fx,
               "<?xml version='1.0'?><stream:stream xmlns='" NS_COMPONENT
               "' xmlns:stream='" NS_STREAMS "' id='abc' from='" DOMAIN "'>");
    link_pump(fx, now); /* the server's header: the handshake goes */
    server_hear(fx, "</handshake>");
    server_say(fx, "<handshake/>");
    link_pump(fx, now);
    ck_assert_int_eq(fx->ups, 1);
    ck_assert(link_is_up(fx->ln));
    server_forget(fx);
}

/* The id of the ping the server just heard, copied into id. */
static void server_hear_ping(struct fix *fx, char *id, size_t len)
{
    const char *p, *end;

    server_hear(fx, "</iq>");
    ck_assert_ptr_nonnull(strstr(fx->heard, "<ping xmlns='" NS_PING "'/>"));
    ck_assert_ptr_nonnull(strstr(fx->heard, "from='" DOMAIN "'"));
    ck_assert_ptr_nonnull(strstr(fx->heard, "to='" PING_TO "'"));
    ck_assert_ptr_nonnull(strstr(fx->heard, "type='get'"));
    p = strstr(fx->heard, "id='");
    ck_assert_ptr_nonnull(p);
    p += 4;
    end = strchr(p, '\'');
    ck_assert_ptr_nonnull(end);
    ck_assert_uint_lt((size_t)(end - p), len);
    memcpy(id, p, (size_t)(end - p));
    id[end - p] = '\0';
    server_forget(fx);
}

/* A silent server is pinged after keepalive; whatever it sends (the ping's
 * answer, a stanza, a whitespace) counts as life; silent for read_timeout,
 * it is dropped and the link reconnects with the backoff. */
START_TEST(silence_pinged_then_dropped)
{
    struct fix fx;
    int64_t t = T0, last_rx;
    char id[64], pong[256];
    struct pollfd p;
    char c;

    fix_init(&fx, KEEPALIVE_MS, READ_TIMEOUT_MS);
    fix_attach(&fx, t);
    ck_assert_int_eq(link_timeout(fx.ln, t), KEEPALIVE_MS);

    link_tick(fx.ln, t + KEEPALIVE_MS - 1);
    ck_assert_uint_eq(link_pending(fx.ln), 0);
    t += KEEPALIVE_MS;
    link_tick(fx.ln, t);
    ck_assert_uint_gt(link_pending(fx.ln), 0);
    link_flush(fx.ln);
    server_hear_ping(&fx, id, sizeof(id));
    /* The next ping a keepalive later, before the deadline. */
    ck_assert_int_eq(link_timeout(fx.ln, t), KEEPALIVE_MS);

    /* The answer is the link's own: the service never sees it. */
    snprintf(pong, sizeof(pong),
             "<iq type='result' id='%s' from='" PING_TO "' to='" DOMAIN "'/>",
             id);
    server_say(&fx, pong);
    t += 500;
    link_pump(&fx, t);
    ck_assert_int_eq(fx.stanzas, 0);
    ck_assert_int_eq(link_timeout(fx.ln, t), KEEPALIVE_MS);

    server_say(&fx, "<iq type='get' id='v1' from='a@example.test/r' to='" DOMAIN
                    "'><query xmlns='jabber:iq:version'/></iq>");
    t += 500;
    link_pump(&fx, t);
    ck_assert_int_eq(fx.stanzas, 1);
    server_say(&fx, " ");
    t += 400;
    link_pump(&fx, t);
    ck_assert_int_eq(link_timeout(fx.ln, t), KEEPALIVE_MS);

    /* Silence from here: pinged at each keepalive, dropped at the
     * deadline, reconnecting after the backoff. */
    last_rx = t;
    t = last_rx + KEEPALIVE_MS;
    link_tick(fx.ln, t);
    link_flush(fx.ln);
    server_hear_ping(&fx, id, sizeof(id));
    t += KEEPALIVE_MS;
    link_tick(fx.ln, t);
    link_flush(fx.ln);
    server_hear_ping(&fx, id, sizeof(id));
    ck_assert_int_eq(link_timeout(fx.ln, t), last_rx + READ_TIMEOUT_MS - t);
    link_tick(fx.ln, last_rx + READ_TIMEOUT_MS - 1);
    ck_assert(link_is_up(fx.ln));
    ck_assert_int_eq(fx.downs, 0);
    t = last_rx + READ_TIMEOUT_MS;
    link_tick(fx.ln, t);
    ck_assert(!link_is_up(fx.ln));
    ck_assert_int_eq(fx.downs, 1);
    ck_assert_int_eq(link_fd(fx.ln), -1);
    ck_assert_int_ge(link_timeout(fx.ln, t), RECONNECT_MIN_MS / 2);
    ck_assert_int_le(link_timeout(fx.ln, t), RECONNECT_MIN_MS);
    /* The server sees the connection closed. */
    p = (struct pollfd){fx.conn_fd, POLLIN, 0};
    ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
    ck_assert_int_eq(read(fx.conn_fd, &c, 1), 0);
    fix_free(&fx);
}
END_TEST

/* A stream of stanzas keeps the link alive without any ping. */
START_TEST(traffic_needs_no_ping)
{
    struct fix fx;
    int64_t t = T0;

    fix_init(&fx, KEEPALIVE_MS, READ_TIMEOUT_MS);
    fix_attach(&fx, t);
    for (int i = 0; i < 10; i++) {
        t += KEEPALIVE_MS - 1;
        link_tick(fx.ln, t);
        ck_assert_uint_eq(link_pending(fx.ln), 0);
        server_say(&fx, "<presence from='a@example.test/r' to='" DOMAIN "'/>");
        link_pump(&fx, t);
    }
    ck_assert_int_eq(fx.stanzas, 10);
    ck_assert(link_is_up(fx.ln));
    fix_free(&fx);
}
END_TEST

/* With both disabled, an established link has no timer at all. */
START_TEST(disabled_means_no_timer)
{
    struct fix fx;

    fix_init(&fx, 0, 0);
    fix_attach(&fx, T0);
    ck_assert_int_eq(link_timeout(fx.ln, T0), -1);
    link_tick(fx.ln, T0 + 86400000);
    ck_assert(link_is_up(fx.ln));
    ck_assert_uint_eq(link_pending(fx.ln), 0);
    fix_free(&fx);
}
END_TEST

/* Text handed to link_send_with() goes out as the stanza's last child,
 * after its own children, or as its only one when it has none. */
START_TEST(send_with_appends_the_text)
{
    static const char vcard[] = "<vCard xmlns='vcard-temp'><FN>A &amp; B</FN>"
                                "</vCard>";
    struct fix fx;
    xmpp_stanza_t *msg, *presence;

    fix_init(&fx, 0, 0);
    fix_attach(&fx, T0);
    msg = xmpp_message_new(fx.ctx, "chat", "r@example.test", "m1");
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(xmpp_message_set_body(msg, "hi"), XMPP_EOK);
    presence = xmpp_presence_new(fx.ctx);
    ck_assert_ptr_nonnull(presence);
    ck_assert_int_eq(link_send_with(fx.ln, msg, vcard), 0);
    ck_assert_int_eq(link_send_with(fx.ln, presence, "<x xmlns='urn:x'/>"), 0);
    link_flush(fx.ln);
    server_hear(&fx, "</presence>");
    ck_assert_msg(strstr(fx.heard, "<body>hi</body><vCard xmlns='vcard-temp'>"
                                   "<FN>A &amp; B</FN></vCard></message>"),
                  "heard: %s", fx.heard);
    ck_assert_msg(strstr(fx.heard, "<presence><x xmlns='urn:x'/></presence>"),
                  "heard: %s", fx.heard);
    xmpp_stanza_release(msg);
    xmpp_stanza_release(presence);
    fix_free(&fx);
}
END_TEST

/* Every address getaddrinfo() gives is tried in order: a first one where
 * nothing listens (localhost as ::1 before an IPv4-only server) does not
 * keep the link from the server at the second. */
START_TEST(tries_every_address)
{
    struct fix fx;
    struct sockaddr_in dead = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in live;
    socklen_t len = sizeof(dead);
    /* Bound but not listening: a connect to it is refused. */
    int dead_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct addrinfo second = {.ai_family = AF_INET,
                              .ai_socktype = SOCK_STREAM,
                              .ai_addrlen = sizeof(live),
                              .ai_addr = (struct sockaddr *)&live};
    struct addrinfo first = {.ai_family = AF_INET,
                             .ai_socktype = SOCK_STREAM,
                             .ai_addrlen = sizeof(dead),
                             .ai_addr = (struct sockaddr *)&dead,
                             .ai_next = &second};

    fix_init(&fx, 0, 0);
    ck_assert_int_ge(dead_fd, 0);
    ck_assert_int_eq(bind(dead_fd, (struct sockaddr *)&dead, len), 0);
    ck_assert_int_eq(getsockname(dead_fd, (struct sockaddr *)&dead, &len), 0);
    len = sizeof(live);
    ck_assert_int_eq(getsockname(fx.listen_fd, (struct sockaddr *)&live, &len),
                     0);
    link_connect_list(fx.ln, &first, T0);
    /* The refusal may come at once or through poll(): pump the link until
     * the live server sees the connection, a bounded number of times. */
    for (int i = 0; i < 4 && fx.conn_fd < 0; i++) {
        struct pollfd p[2] = {{fx.listen_fd, POLLIN, 0},
                              {link_fd(fx.ln), link_events(fx.ln), 0}};

        ck_assert_int_ge(p[1].fd, 0);
        ck_assert_int_ge(poll(p, 2, WAIT_MS), 1);
        if (p[0].revents & POLLIN)
            fx.conn_fd = accept4(fx.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        else
            link_process(fx.ln, p[1].revents, T0);
    }
    ck_assert_int_ge(fx.conn_fd, 0);
    link_pump(&fx, T0); /* connected: the stream header goes */
    server_hear(&fx, "to='" DOMAIN "'>");
    close(dead_fd);
    fix_free(&fx);
}
END_TEST

/* With every address refusing, the attempt fails and the next one waits
 * for the backoff. */
START_TEST(all_addresses_refused)
{
    struct fix fx;
    struct sockaddr_in dead = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(dead);
    int dead_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct addrinfo second = {.ai_family = AF_INET,
                              .ai_socktype = SOCK_STREAM,
                              .ai_addrlen = sizeof(dead),
                              .ai_addr = (struct sockaddr *)&dead};
    struct addrinfo first = second;

    first.ai_next = &second;
    fix_init(&fx, 0, 0);
    ck_assert_int_ge(dead_fd, 0);
    ck_assert_int_eq(bind(dead_fd, (struct sockaddr *)&dead, len), 0);
    ck_assert_int_eq(getsockname(dead_fd, (struct sockaddr *)&dead, &len), 0);
    link_connect_list(fx.ln, &first, T0);
    for (int i = 0; i < 4 && link_fd(fx.ln) >= 0; i++) {
        struct pollfd p = {link_fd(fx.ln), link_events(fx.ln), 0};

        ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
        link_process(fx.ln, p.revents, T0);
    }
    ck_assert_int_lt(link_fd(fx.ln), 0);
    ck_assert_int_gt(link_timeout(fx.ln, T0), 0); /* waits for the backoff */
    ck_assert(!link_is_up(fx.ln));
    close(dead_fd);
    fix_free(&fx);
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("liveness");

    tcase_add_test(tc, silence_pinged_then_dropped);
    tcase_add_test(tc, traffic_needs_no_ping);
    tcase_add_test(tc, disabled_means_no_timer);
    suite_add_tcase(s, tc);
    tc = tcase_create("output");
    tcase_add_test(tc, send_with_appends_the_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("addresses");
    tcase_add_test(tc, tries_every_address);
    tcase_add_test(tc, all_addresses_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(link_suite)
