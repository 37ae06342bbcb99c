/* libcardx's blocking conveniences for simple programs: the client's own
 * main loop on poll(). */
#include <poll.h>
#include <stdlib.h>

#include "common/util.h"
#include "lib/lib_client_int.h"

/* Waits (poll) at most max_ms (-1: no limit) for the client's fd or
 * deadline, then processes. CARDX_OK or the process call's error. */
static int lib_turn(struct cardx_client *c, int max_ms)
{
    struct pollfd p = {.fd = cardx_client_fd(c), .events = 0};
    int events = cardx_client_events(c);
    int timeout = cardx_client_timeout_ms(c);

    if (max_ms >= 0 && (timeout < 0 || timeout > max_ms))
        timeout = max_ms;
    if (events & CARDX_WANT_READ)
        p.events |= POLLIN;
    if (events & CARDX_WANT_WRITE)
        p.events |= POLLOUT;
    if (p.fd >= 0)
        poll(&p, 1, timeout);
    else if (timeout != 0 && c->s->conn)
        /* No socket yet (libstrophe connects on its first turn). */
        poll(NULL, 0, timeout < 0 || timeout > SLICE_MS ? SLICE_MS : timeout);
    return cardx_client_process(c);
}

int cardx_client_connect_blocking(cardx_client *c)
{
    int rc;

    if (c->state == CARDX_STATE_OFFLINE) {
        rc = cardx_client_connect(c);
        if (rc != CARDX_OK)
            return rc;
    }
    while (c->state == CARDX_STATE_CONNECTING)
        lib_turn(c, -1);
    if (c->state == CARDX_STATE_ONLINE)
        return CARDX_OK;
    return c->last_error != CARDX_OK ? c->last_error : CARDX_E_NET;
}

int cardx_client_run_until_idle(cardx_client *c, int quiet_ms)
{
    int64_t start = clock_now_ms(), last;
    int slice = quiet_ms > SLICE_MS ? SLICE_MS : quiet_ms;
    int rc;

    /* At least one turn, so that what is ready now is taken. */
    while (c->state == CARDX_STATE_ONLINE) {
        rc = lib_turn(c, slice < 0 ? 0 : slice);
        if (rc != CARDX_OK)
            return rc;
        last = session_last_activity(c->s);
        if (last < start)
            last = start;
        if (c->state == CARDX_STATE_ONLINE && !c->requests &&
            cardx_client_events(c) == CARDX_WANT_READ &&
            clock_now_ms() - last >= quiet_ms)
            return CARDX_OK;
    }
    return CARDX_E_NET;
}

int cardx_client_send_blocking(cardx_client *c, const char *number,
                               const char *note, enum cardx_send_status *status,
                               char **card_id)
{
    return cardx_client_send_profile_blocking(c, number, note, NULL, status,
                                              card_id);
}

int cardx_client_send_profile_blocking(cardx_client *c, const char *number,
                                       const char *note, const char *profile,
                                       enum cardx_send_status *status,
                                       char **card_id)
{
    uint32_t request;
    int rc = cardx_client_send_profile(c, number, note, profile, &request);

    if (card_id)
        *card_id = NULL;
    if (rc != CARDX_OK)
        return rc;
    c->wait.request = request;
    c->wait.done = 0;
    while (!c->wait.done && c->state == CARDX_STATE_ONLINE)
        lib_turn(c, -1);
    c->wait.request = 0;
    if (!c->wait.done) {
        lib_set_err(c, "the connection closed before %s answered",
                    c->component);
        return CARDX_E_NET;
    }
    if (status)
        *status = c->wait.status;
    if (card_id) {
        *card_id = c->wait.card_id;
        c->wait.card_id = NULL;
    }
    return c->wait.error;
}

/* Waits for the answer to request (its callback fills c->wait). */
static int wait_request(struct cardx_client *c, uint32_t request)
{
    (void)request;
    while (!c->wait.done && c->state == CARDX_STATE_ONLINE)
        lib_turn(c, -1);
    c->wait.request = 0;
    if (!c->wait.done) {
        lib_set_err(c, "the connection closed before %s answered",
                    c->component);
        return CARDX_E_NET;
    }
    return c->wait.error;
}

int cardx_client_register_blocking(cardx_client *c, const char *number,
                                   const char *code, int *code_needed,
                                   char **e164)
{
    int rc = cardx_client_register(c, number, code);

    *code_needed = 0;
    *e164 = NULL;
    if (rc != CARDX_OK)
        return rc;
    c->wait.reg_wait = 1;
    c->wait.done = 0;
    while (!c->wait.done && c->state == CARDX_STATE_ONLINE)
        lib_turn(c, -1);
    c->wait.reg_wait = 0;
    if (!c->wait.done) {
        lib_set_err(c, "the connection closed before %s answered",
                    c->component);
        return CARDX_E_NET;
    }
    if (c->wait.error == CARDX_OK) {
        *code_needed = c->wait.reg_step == CARDX_REGISTER_CODE_NEEDED;
        *e164 = c->wait.reg_number;
        c->wait.reg_number = NULL;
    }
    return c->wait.error;
}

int cardx_client_wait(cardx_client *c, uint32_t request)
{
    c->wait.request = request;
    c->wait.done = 0;
    return wait_request(c, request);
}

int cardx_client_updates_blocking(cardx_client *c, const char *number, int on)
{
    uint32_t request;
    int rc = cardx_client_updates(c, number, on, &request);

    return rc == CARDX_OK ? cardx_client_wait(c, request) : rc;
}

int cardx_client_profiles_blocking(cardx_client *c, cardx_profile ***list,
                                   size_t *count)
{
    uint32_t request;
    size_t n = 0;
    int rc = cardx_client_profiles(c, &request);

    *list = NULL;
    if (rc == CARDX_OK)
        rc = cardx_client_wait(c, request);
    if (rc == CARDX_OK) {
        *list = c->wait.profiles;
        c->wait.profiles = NULL;
        while (*list && (*list)[n])
            n++;
    }
    cardx_profiles_free(c->wait.profiles);
    c->wait.profiles = NULL;
    if (count)
        *count = n;
    return rc;
}

int cardx_client_block_blocking(cardx_client *c, const char *number, int block)
{
    uint32_t request;
    int rc = cardx_client_block(c, number, block, &request);

    if (rc != CARDX_OK)
        return rc;
    c->wait.request = request;
    c->wait.done = 0;
    rc = wait_request(c, request);
    cardx_strv_free(c->wait.numbers);
    c->wait.numbers = NULL;
    return rc;
}

int cardx_client_blocklist_blocking(cardx_client *c, char ***numbers,
                                    size_t *count)
{
    uint32_t request;
    int rc = cardx_client_blocklist(c, &request);

    *numbers = NULL;
    if (count)
        *count = 0;
    if (rc != CARDX_OK)
        return rc;
    c->wait.request = request;
    c->wait.done = 0;
    rc = wait_request(c, request);
    if (rc == CARDX_OK) {
        *numbers = c->wait.numbers;
        if (count)
            *count = c->wait.count;
    } else {
        cardx_strv_free(c->wait.numbers);
    }
    c->wait.numbers = NULL;
    return rc;
}

int cardx_client_consent_get_blocking(cardx_client *c, enum cardx_consent *mode)
{
    uint32_t request;
    int rc = cardx_client_consent_get(c, &request);

    *mode = CARDX_CONSENT_ANYONE;
    if (rc == CARDX_OK)
        rc = cardx_client_wait(c, request);
    if (rc == CARDX_OK)
        *mode = c->wait.consent;
    return rc;
}

int cardx_client_consent_set_blocking(cardx_client *c, enum cardx_consent mode,
                                      size_t *count)
{
    uint32_t request;
    size_t n = 0;
    int rc = cardx_client_consent_set(c, mode, &n, &request);

    if (rc == CARDX_OK)
        rc = cardx_client_wait(c, request);
    if (count)
        *count = rc == CARDX_OK ? n : 0;
    return rc;
}

int cardx_client_consent_refresh_blocking(cardx_client *c, int *told,
                                          size_t *count)
{
    uint32_t request = 0;
    size_t n = 0;
    int rc = cardx_client_consent_refresh(c, &n, &request);

    /* Request 0: nothing needed telling, and nothing comes. */
    if (rc == CARDX_OK && request)
        rc = cardx_client_wait(c, request);
    if (told)
        *told = rc == CARDX_OK && request;
    if (count)
        *count = rc == CARDX_OK && request ? n : 0;
    return rc;
}

int cardx_client_requests_blocking(cardx_client *c, cardx_request ***list,
                                   size_t *count)
{
    uint32_t request;
    size_t n = 0;
    int rc = cardx_client_requests(c, &request);

    *list = NULL;
    if (rc == CARDX_OK)
        rc = cardx_client_wait(c, request);
    if (rc == CARDX_OK) {
        *list = c->wait.requests;
        c->wait.requests = NULL;
        while (*list && (*list)[n])
            n++;
    }
    cardx_requests_free(c->wait.requests);
    c->wait.requests = NULL;
    if (count)
        *count = n;
    return rc;
}

void cardx_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

int cardx_client_create_account(cardx_client *c)
{
    struct lib_sigpipe g;
    int rc;

    if (c->state != CARDX_STATE_OFFLINE)
        return CARDX_E_STATE;
    lib_sigpipe_enter(&g);
    rc = session_register_account(c->s);
    lib_sigpipe_leave(&g);
    c->fd = -1;
    if (rc == SESSION_OK) {
        c->errmsg[0] = '\0';
        return CARDX_OK;
    }
    lib_set_err(c, "%s", session_errmsg(c->s));
    if (rc == SESSION_EEXISTS)
        return CARDX_E_EXISTS;
    if (rc == SESSION_EREFUSED)
        return CARDX_E_REFUSED;
    return lib_login_error(c, rc);
}

int cardx_client_upload_self_blocking(cardx_client *c)
{
    int before = c->wait.uploads;
    int rc = cardx_client_upload_self(c);
    int sent = 0;

    if (rc != CARDX_OK)
        return rc;
    for (const struct lib_request *r = c->requests; r; r = r->next)
        sent |= r->kind == REQ_UPLOAD;
    if (!sent)
        return CARDX_OK; /* nothing changed since the last upload */
    while (c->wait.uploads == before && c->state == CARDX_STATE_ONLINE)
        lib_turn(c, -1);
    if (c->wait.uploads == before) {
        lib_set_err(c, "the connection closed before %s answered",
                    c->component);
        return CARDX_E_NET;
    }
    return c->wait.upload_error;
}
