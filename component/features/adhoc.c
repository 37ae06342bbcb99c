/* XEP-0050 ad-hoc commands on the component JID: registering, sending a
 * card, the inbox and unregistering, for clients that know nothing of cardx
 * but can fill in data forms. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "component/service_int.h"
#include "xep/ns.h"
#include "common/phone.h"
#include "xep/stanza.h"

/* Sessions wait for one form each; a person fills it in within minutes.
 * The cap bounds memory whatever clients do: the oldest session goes. */
#define ADHOC_SESSIONS_MAX 256
#define ADHOC_SESSION_TTL_MS (10 * 60 * 1000)
#define ADHOC_SESSIONID_BYTES 12
#define ADHOC_SESSIONID_LEN (2 * ADHOC_SESSIONID_BYTES + 1)

struct adhoc_command;

/* A command that returned its form and waits for it. */
struct adhoc_session {
    struct adhoc_session *next; /* oldest first */
    char id[ADHOC_SESSIONID_LEN];
    const struct adhoc_command *cmd;
    char *owner;     /* the full JID that started it: only it continues */
    int64_t expires; /* svc->now_ms from which it is gone */
};

struct adhoc_command {
    const char *node;
    const char *name;
    int registered; /* only for users with a number */
    /* Fills the first stage's form; NULL for a one-stage command. phone is
     * the user's number or NULL. Returns 0 or -1. */
    int (*form)(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
    /* Does the command and answers iq; form is the submitted form (NULL for
     * a one-stage command). */
    void (*run)(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                xmpp_stanza_t *form, const char *bare, const char *phone);
};

static int sessionid_new(char *buf)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[ADHOC_SESSIONID_BYTES];

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++) {
        buf[2 * i] = hex[raw[i] >> 4];
        buf[2 * i + 1] = hex[raw[i] & 0xf];
    }
    buf[2 * sizeof(raw)] = '\0';
    return 0;
}

/* --- answers --- */

/* A result for the command request req: <command node sessionid status/>,
 * the node echoed from req; sid NULL echoes req's sessionid. *command is
 * the new element (borrowed). NULL on allocation failure. */
static xmpp_stanza_t *adhoc_reply(struct service *svc, xmpp_stanza_t *req,
                                  const char *sid, const char *status,
                                  xmpp_stanza_t **command)
{
    xmpp_stanza_t *in = xmpp_stanza_get_child_by_ns(req, NS_COMMANDS);
    const char *node = in ? xmpp_stanza_get_attribute(in, "node") : NULL;
    xmpp_stanza_t *reply = stanza_reply(svc->ctx, req, "result"), *c;

    if (!sid && in)
        sid = xmpp_stanza_get_attribute(in, "sessionid");
    c = reply ? stanza_add_child(svc->ctx, reply, "command", NS_COMMANDS)
              : NULL;
    if (!c || (node && xmpp_stanza_set_attribute(c, "node", node)) ||
        (sid && xmpp_stanza_set_attribute(c, "sessionid", sid)) ||
        xmpp_stanza_set_attribute(c, "status", status)) {
        if (reply)
            xmpp_stanza_release(reply);
        return NULL;
    }
    *command = c;
    return reply;
}

/* Completes the command with a note (type "info" or "error") for the user:
 * errors of the request itself are told this way, as plain text. */
static void adhoc_done(struct service *svc, xmpp_stanza_t *req, const char *sid,
                       const char *type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void adhoc_done(struct service *svc, xmpp_stanza_t *req, const char *sid,
                       const char *type, const char *fmt, ...)
{
    xmpp_stanza_t *c, *reply = adhoc_reply(svc, req, sid, "completed", &c);
    xmpp_stanza_t *note;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (reply && (stanza_add_text_child(svc->ctx, c, "note", text) < 0 ||
                  !(note = xmpp_stanza_get_child_by_name(c, "note")) ||
                  xmpp_stanza_set_type(note, type))) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

static void adhoc_canceled(struct service *svc, xmpp_stanza_t *req)
{
    xmpp_stanza_t *c;

    service_emit(svc, adhoc_reply(svc, req, NULL, "canceled", &c));
}

/* An iq error with a XEP-0050 condition (bad-sessionid, ...) beside the
 * stanza error: for requests no client shows a form for. */
static void adhoc_error(struct service *svc, xmpp_stanza_t *req,
                        const char *type, const char *condition,
                        const char *specific, const char *text)
{
    xmpp_stanza_t *reply =
        stanza_error_reply(svc->ctx, req, type, condition, text);
    xmpp_stanza_t *err =
        reply ? xmpp_stanza_get_child_by_name(reply, "error") : NULL;

    if (reply &&
        (!err || !stanza_add_child(svc->ctx, err, specific, NS_COMMANDS))) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

/* --- sessions --- */

static void session_free(struct adhoc_session *s)
{
    free(s->owner);
    free(s);
}

void adhoc_sessions_free(struct service *svc)
{
    while (svc->adhoc) {
        struct adhoc_session *s = svc->adhoc;

        svc->adhoc = s->next;
        session_free(s);
    }
}

/* Drops expired sessions, then the oldest ones while the table is full. */
static void sessions_prune(struct service *svc)
{
    struct adhoc_session **pp = &svc->adhoc;
    size_t n = 0;

    while (*pp) {
        struct adhoc_session *s = *pp;

        if (s->expires <= svc->now_ms) {
            *pp = s->next;
            session_free(s);
        } else {
            pp = &s->next;
            n++;
        }
    }
    for (; n >= ADHOC_SESSIONS_MAX; n--) {
        struct adhoc_session *s = svc->adhoc;

        log_debug(svc->log, "command session %s of %s dropped: too many", s->id,
                  s->owner);
        svc->adhoc = s->next;
        session_free(s);
    }
}

/* Opens a session with the given id. Returns 0 or -1 (out of memory). */
static int session_open(struct service *svc, const struct adhoc_command *cmd,
                        const char *owner, const char *sid)
{
    struct adhoc_session *s = calloc(1, sizeof(*s)), **tail;

    if (!s || !(s->owner = strdup(owner))) {
        free(s);
        return -1;
    }
    sessions_prune(svc);
    snprintf(s->id, sizeof(s->id), "%s", sid);
    s->cmd = cmd;
    s->expires = svc->now_ms + ADHOC_SESSION_TTL_MS;
    for (tail = &svc->adhoc; *tail; tail = &(*tail)->next)
        ;
    *tail = s;
    return 0;
}

/* The link to the session sid of owner running cmd, or NULL. */
static struct adhoc_session **session_find(struct service *svc,
                                           const struct adhoc_command *cmd,
                                           const char *owner, const char *sid)
{
    for (struct adhoc_session **pp = &svc->adhoc; *pp; pp = &(*pp)->next) {
        struct adhoc_session *s = *pp;

        if (strcmp(s->id, sid) == 0 && s->cmd == cmd &&
            strcmp(s->owner, owner) == 0)
            return pp;
    }
    return NULL;
}

static void session_close(struct adhoc_session **link)
{
    struct adhoc_session *s = *link;

    *link = s->next;
    session_free(s);
}

/* --- the commands --- */

static int form_head(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *title,
                     const char *instructions)
{
    if (stanza_add_text_child(ctx, x, "title", title) < 0 ||
        stanza_add_text_child(ctx, x, "instructions", instructions) < 0)
        return -1;
    return 0;
}

static int register_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    if (form_head(ctx, x, "Register your phone number",
                  "Enter your phone number in international form "
                  "(+8613800138000). Others send you business cards by "
                  "this number; entering another one changes it.") < 0 ||
        service_form_field(ctx, x, "phone", "text-single", "Phone number",
                           phone, 1) < 0)
        return -1;
    return 0;
}

static void register_run(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         const char *phone)
{
    char *input = service_form_value(form, "phone");
    struct register_outcome out;

    (void)phone;
    if (!input || !*input) {
        adhoc_done(svc, iq, sid, "error", "enter your phone number");
    } else {
        register_change(svc, bare, input, &out);
        adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
        if (!out.type)
            register_announce(svc, bare, 1);
    }
    if (input)
        xmpp_free(svc->ctx, input);
}

static int send_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    if (form_head(ctx, x, "Send your business card",
                  "Enter the phone number of the person who should get "
                  "your card; the note is shown with it.") < 0 ||
        service_form_field(ctx, x, "number", "text-single",
                           "Their phone number", NULL, 1) < 0 ||
        service_form_field(ctx, x, "note", "text-single", "Note (optional)",
                           NULL, 0) < 0)
        return -1;
    return 0;
}

/* The outcome of a send started by send_run(); req is the submission. */
static void send_done_note(struct service *svc, xmpp_stanza_t *req,
                           const char *card_id, const char *status,
                           const char *condition, const char *text, void *ud)
{
    xmpp_stanza_t *c = xmpp_stanza_get_child_by_ns(req, NS_COMMANDS);
    xmpp_stanza_t *x = c ? xmpp_stanza_get_child_by_ns(c, NS_DATA) : NULL;
    char *number = x ? service_form_value(x, "number") : NULL;
    char *e164 = NULL;
    const char *to;

    (void)card_id;
    (void)ud;
    /* The form is all the state there is: it names the recipient again. */
    if (number)
        phone_normalize(number, svc->cfg->default_region, &e164, NULL);
    to = e164 ? e164 : number ? number : "them";
    if (condition)
        adhoc_done(svc, req, NULL, "error", "%s", text ? text : condition);
    else if (strcmp(status, "delivered") == 0)
        adhoc_done(svc, req, NULL, "info", "Card delivered to %s.", to);
    else
        adhoc_done(svc, req, NULL, "info",
                   "Card queued for %s: they are offline; it reaches them "
                   "when they next come online.",
                   to);
    free(e164);
    if (number)
        xmpp_free(svc->ctx, number);
}

static void send_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                     xmpp_stanza_t *form, const char *bare, const char *phone)
{
    char *number = service_form_value(form, "number");
    char *note = service_form_value(form, "note");

    (void)bare;
    (void)phone;
    if (!number || !*number)
        adhoc_done(svc, iq, sid, "error",
                   "enter the phone number to send your card to");
    else
        exchange_send(svc, iq, number, note, SEND_VIA_OTHER, send_done_note,
                      NULL);
    if (number)
        xmpp_free(svc->ctx, number);
    if (note)
        xmpp_free(svc->ctx, note);
}

/* One stage: counts the waiting cards and sends them to the sessions the
 * service knows; without one it says how to become known. */
static void inbox_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    int64_t n = 0;
    int online = 0;
    char count[64];

    (void)form;
    (void)phone;
    if (store_inbox_count(svc->store, bare, &n) < 0 ||
        store_session_count(svc->store, bare, &online, NULL) < 0) {
        log_error(svc->log, "counting the inbox of %s: %s", bare,
                  store_errmsg(svc->store));
        adhoc_done(svc, iq, sid, "error", "the card store failed");
        return;
    }
    if (n == 0) {
        adhoc_done(svc, iq, sid, "info", "No cards wait for you.");
        return;
    }
    snprintf(count, sizeof(count), "%" PRId64 " card%s wait%s for you", n,
             n == 1 ? "" : "s", n == 1 ? "s" : "");
    if (!online) {
        adhoc_done(svc, iq, sid, "info",
                   "%s: come online (send your presence to %s, or accept "
                   "its presence subscription) to receive them.",
                   count, svc->cfg->domain);
        return;
    }
    adhoc_done(svc, iq, sid, "info", "%s: they are being sent to you now.",
               count);
    exchange_flush(svc, bare);
}

static int unregister_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    char label[128];

    snprintf(label, sizeof(label), "Unregister %s", phone);
    if (form_head(ctx, x, "Unregister your phone number",
                  "Your number stops reaching you; your card and the cards "
                  "waiting for you are deleted.") < 0 ||
        service_form_field(ctx, x, "confirm", "boolean", label, "0", 1) < 0)
        return -1;
    return 0;
}

static void unregister_run(struct service *svc, xmpp_stanza_t *iq,
                           const char *sid, xmpp_stanza_t *form,
                           const char *bare, const char *phone)
{
    char *confirm = service_form_value(form, "confirm");
    int yes =
        confirm && (strcmp(confirm, "1") == 0 || strcmp(confirm, "true") == 0);
    struct register_outcome out;

    (void)phone;
    if (confirm)
        xmpp_free(svc->ctx, confirm);
    if (!yes) {
        adhoc_done(svc, iq, sid, "info", "Nothing changed: not confirmed.");
        return;
    }
    register_drop(svc, bare, &out);
    adhoc_done(svc, iq, sid, out.type ? "error" : "info", "%s", out.text);
    if (!out.type)
        register_announce(svc, bare, 0);
}

static const struct adhoc_command adhoc_commands[] = {
    {"register", "Register or change your phone number", 0, register_form,
     register_run},
    {"send", "Send your card to a phone number", 1, send_form, send_run},
    {"inbox", "Cards waiting for you", 1, NULL, inbox_run},
    {"unregister", "Unregister your phone number", 1, unregister_form,
     unregister_run},
};

#define ADHOC_NCOMMANDS (sizeof(adhoc_commands) / sizeof(adhoc_commands[0]))

/* The command of node, when iq is addressed to the component itself. */
static const struct adhoc_command *
command_find(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    const char *to = xmpp_stanza_get_to(iq);

    if (!node || !to || strcmp(to, svc->cfg->domain) != 0)
        return NULL;
    for (size_t i = 0; i < ADHOC_NCOMMANDS; i++) {
        if (strcmp(adhoc_commands[i].node, node) == 0)
            return &adhoc_commands[i];
    }
    return NULL;
}

/* --- execution --- */

/* The user's number; 0, or -1 after completing the command with an error
 * note (the store failed, or cmd needs a number the user lacks). */
static int adhoc_user_phone(struct service *svc, xmpp_stanza_t *iq,
                            const char *sid, const struct adhoc_command *cmd,
                            const char *bare, char **phone)
{
    int rc = store_user_phone(svc->store, bare, phone);

    if (rc < 0 && rc != STORE_ENOTFOUND) {
        log_error(svc->log, "looking up %s: %s", bare,
                  store_errmsg(svc->store));
        adhoc_done(svc, iq, sid, "error", "the registration store failed");
        return -1;
    }
    if (cmd->registered && !*phone) {
        adhoc_done(svc, iq, sid, "error",
                   "register your phone number first (command \"%s\")",
                   adhoc_commands[0].name);
        return -1;
    }
    return 0;
}

/* The first stage: the form, with a new session; or a one-stage command. */
static void adhoc_start(struct service *svc, xmpp_stanza_t *iq,
                        const struct adhoc_command *cmd, const char *bare)
{
    char sid[ADHOC_SESSIONID_LEN], *phone = NULL;
    xmpp_stanza_t *reply = NULL, *c, *actions, *x;

    if (sessionid_new(sid) < 0) {
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "no randomness for a session id");
        return;
    }
    if (adhoc_user_phone(svc, iq, sid, cmd, bare, &phone) < 0)
        goto out;
    if (!cmd->form) {
        cmd->run(svc, iq, sid, NULL, bare, phone);
        goto out;
    }
    reply = adhoc_reply(svc, iq, sid, "executing", &c);
    if (!reply || !(actions = stanza_add_child(svc->ctx, c, "actions", NULL)) ||
        xmpp_stanza_set_attribute(actions, "execute", "complete") ||
        !stanza_add_child(svc->ctx, actions, "complete", NULL) ||
        !(x = stanza_add_child(svc->ctx, c, "x", NS_DATA)) ||
        xmpp_stanza_set_type(x, "form") || cmd->form(svc->ctx, x, phone) < 0 ||
        session_open(svc, cmd, xmpp_stanza_get_from(iq), sid) < 0) {
        if (reply)
            xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
out:
    free(phone);
}

/* A later stage of session sid: cancel, or the submitted form. */
static void adhoc_continue(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *command,
                           const struct adhoc_command *cmd, const char *sid,
                           const char *action, const char *bare)
{
    struct adhoc_session **link =
        session_find(svc, cmd, xmpp_stanza_get_from(iq), sid);
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(command, NS_DATA);
    const char *xtype = x ? xmpp_stanza_get_type(x) : NULL;
    char *phone = NULL;

    if (!link) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-sessionid",
                    "no such command session: start the command again");
        return;
    }
    if ((*link)->expires <= svc->now_ms) {
        session_close(link);
        adhoc_error(svc, iq, ERR_CANCEL, "not-allowed", "session-expired",
                    "the command session expired: start the command again");
        return;
    }
    if ((action && strcmp(action, "cancel") == 0) ||
        (xtype && strcmp(xtype, "cancel") == 0)) {
        session_close(link);
        adhoc_canceled(svc, iq);
        return;
    }
    if (action && strcmp(action, "prev") == 0) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-action",
                    "this command has a single stage");
        return;
    }
    if (!xtype || strcmp(xtype, "submit") != 0) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-payload",
                    "submit the command's form");
        return;
    }
    session_close(link);
    if (adhoc_user_phone(svc, iq, NULL, cmd, bare, &phone) == 0)
        cmd->run(svc, iq, sid, x, bare, phone);
    free(phone);
}

static int action_known(const char *action)
{
    static const char *const actions[] = {"execute", "complete", "next", "prev",
                                          "cancel"};

    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(actions[i], action) == 0)
            return 1;
    }
    return 0;
}

void adhoc_execute(struct service *svc, xmpp_stanza_t *iq,
                   xmpp_stanza_t *command)
{
    const char *node = xmpp_stanza_get_attribute(command, "node");
    const char *action = xmpp_stanza_get_attribute(command, "action");
    const char *sid = xmpp_stanza_get_attribute(command, "sessionid");
    const struct adhoc_command *cmd = command_find(svc, iq, node);
    char *bare;

    if (!cmd) {
        service_error(svc, iq, ERR_CANCEL, "item-not-found",
                      "no such command on this service");
        return;
    }
    if (action && !action_known(action)) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "malformed-action",
                    "unknown command action");
        return;
    }
    if (!(bare = service_check_sender(svc, iq)))
        return;
    log_debug(svc->log, "command %s (%s) from %s", node,
              action ? action : "execute", xmpp_stanza_get_from(iq));
    if (sid)
        adhoc_continue(svc, iq, command, cmd, sid, action, bare);
    else if (!action || strcmp(action, "execute") == 0)
        adhoc_start(svc, iq, cmd, bare);
    else if (strcmp(action, "cancel") == 0)
        adhoc_canceled(svc, iq); /* nothing was started */
    else
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-sessionid",
                    "that action needs the sessionid of a started command");
    free(bare);
}

/* --- service discovery --- */

static int disco_identity(xmpp_ctx_t *ctx, xmpp_stanza_t *q, const char *type,
                          const char *name)
{
    xmpp_stanza_t *id = stanza_add_child(ctx, q, "identity", NULL);

    if (!id || xmpp_stanza_set_attribute(id, "category", "automation") ||
        xmpp_stanza_set_attribute(id, "type", type) ||
        xmpp_stanza_set_attribute(id, "name", name))
        return -1;
    return 0;
}

static int disco_feature(xmpp_ctx_t *ctx, xmpp_stanza_t *q, const char *var)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, q, "feature", NULL);

    return f && !xmpp_stanza_set_attribute(f, "var", var) ? 0 : -1;
}

/* A disco result whose query mirrors the node (some clients require it). */
static xmpp_stanza_t *disco_reply(struct service *svc, xmpp_stanza_t *iq,
                                  const char *ns, const char *node,
                                  xmpp_stanza_t **q)
{
    xmpp_stanza_t *reply = stanza_reply(svc->ctx, iq, "result");

    *q = reply ? stanza_add_child(svc->ctx, reply, "query", ns) : NULL;
    if (!*q || xmpp_stanza_set_attribute(*q, "node", node)) {
        if (reply)
            xmpp_stanza_release(reply);
        return NULL;
    }
    return reply;
}

static int node_is_list(struct service *svc, xmpp_stanza_t *iq,
                        const char *node)
{
    const char *to = xmpp_stanza_get_to(iq);

    return strcmp(node, NS_COMMANDS) == 0 && to &&
           strcmp(to, svc->cfg->domain) == 0;
}

void adhoc_disco_info(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    const struct adhoc_command *cmd = command_find(svc, iq, node);
    xmpp_stanza_t *reply, *q;
    int rc;

    if (!cmd && !node_is_list(svc, iq, node)) {
        service_error(svc, iq, ERR_CANCEL, "item-not-found",
                      "no such node on this service");
        return;
    }
    reply = disco_reply(svc, iq, NS_DISCO_INFO, node, &q);
    if (!reply)
        goto fail;
    if (cmd)
        rc = disco_identity(svc->ctx, q, "command-node", cmd->name) ||
             disco_feature(svc->ctx, q, NS_COMMANDS) ||
             disco_feature(svc->ctx, q, NS_DATA);
    else
        rc = disco_identity(svc->ctx, q, "command-list", "Commands") ||
             disco_feature(svc->ctx, q, NS_COMMANDS);
    if (rc)
        goto fail;
    service_emit(svc, reply);
    return;
fail:
    if (reply)
        xmpp_stanza_release(reply);
    service_emit(svc, NULL);
}

void adhoc_disco_items(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    const struct adhoc_command *cmd = command_find(svc, iq, node);
    xmpp_stanza_t *reply, *q, *item;
    int list = node_is_list(svc, iq, node);

    if (!cmd && !list) {
        service_error(svc, iq, ERR_CANCEL, "item-not-found",
                      "no such node on this service");
        return;
    }
    reply = disco_reply(svc, iq, NS_DISCO_ITEMS, node, &q);
    /* A command node has no items; the list has one per command. */
    for (size_t i = 0; reply && list && i < ADHOC_NCOMMANDS; i++) {
        item = stanza_add_child(svc->ctx, q, "item", NULL);
        if (!item || xmpp_stanza_set_attribute(item, "jid", svc->cfg->domain) ||
            xmpp_stanza_set_attribute(item, "node", adhoc_commands[i].node) ||
            xmpp_stanza_set_attribute(item, "name", adhoc_commands[i].name)) {
            xmpp_stanza_release(reply);
            reply = NULL;
        }
    }
    service_emit(svc, reply);
}
