/* XEP-0050 ad-hoc commands on the component JID, for clients that know
 * nothing of cardx but can fill in data forms: runs, stages, answers and
 * the command nodes' discovery. The commands are in adhoc_commands.c. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/util.h"
#include "component/features/adhoc.h"
#include "xep/disco.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Runs wait for one form at a time; a person fills it in within minutes.
 * They live in the store, so that a form submitted through another
 * instance than the one that sent it continues the run. The cap per owner
 * bounds the table whatever a client does: its oldest run goes. XEP-0050
 * calls a run a session; its id goes on the wire as sessionid. */
#define ADHOC_RUNS_PER_OWNER 16
#define ADHOC_RUN_TTL_MS (10 * 60 * 1000)
#define ADHOC_RUNID_BYTES 12
#define ADHOC_RUNID_LEN (2 * ADHOC_RUNID_BYTES + 1)

/* --- answers --- */

/* A result for the command request req: <command node sessionid status/>,
 * the node echoed from req; sid NULL echoes req's sessionid. *command (if
 * command is not NULL) is the new element (borrowed). NULL on allocation
 * failure. */
static xmpp_stanza_t *adhoc_reply(struct service *svc, xmpp_stanza_t *req,
                                  const char *sid, const char *status,
                                  xmpp_stanza_t **command)
{
    xmpp_stanza_t *in = xmpp_stanza_get_child_by_ns(req, NS_COMMANDS);
    const char *node = in ? xmpp_stanza_get_attribute(in, "node") : NULL;
    xmpp_stanza_t *reply = stanza_reply(service_ctx(svc), req, "result"), *c;

    if (!sid && in)
        sid = xmpp_stanza_get_attribute(in, "sessionid");
    c = reply
            ? stanza_add_child(service_ctx(svc), reply, "command", NS_COMMANDS)
            : NULL;
    if (!c || (node && xmpp_stanza_set_attribute(c, "node", node)) ||
        xmpp_stanza_set_attribute(reply, "xml:lang",
                                  i18n_tag(service_lang_of(svc, req))) ||
        (sid && xmpp_stanza_set_attribute(c, "sessionid", sid)) ||
        xmpp_stanza_set_attribute(c, "status", status)) {
        if (reply)
            xmpp_stanza_release(reply);
        return NULL;
    }
    if (command)
        *command = c;
    return reply;
}

void adhoc_done(struct service *svc, xmpp_stanza_t *req, const char *sid,
                const char *type, const char *fmt, ...)
{
    xmpp_stanza_t *c, *reply = adhoc_reply(svc, req, sid, "completed", &c);
    xmpp_stanza_t *note;
    char text[ADHOC_NOTE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text),
              service_tr_lang(svc, service_lang_of(svc, req), fmt), ap);
    va_end(ap);
    if (reply &&
        (stanza_add_text_child(service_ctx(svc), c, "note", text) < 0 ||
         !(note = xmpp_stanza_get_child_by_name(c, "note")) ||
         xmpp_stanza_set_type(note, type))) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

void adhoc_done_form(struct service *svc, xmpp_stanza_t *req, const char *sid,
                     const char *title,
                     int (*fill)(xmpp_ctx_t *ctx, xmpp_stanza_t *x, void *ud),
                     void *ud)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    xmpp_stanza_t *c, *reply = adhoc_reply(svc, req, sid, "completed", &c);
    xmpp_stanza_t *x;

    if (reply &&
        (!(x = stanza_add_child(ctx, c, "x", NS_DATA)) ||
         xmpp_stanza_set_type(x, "result") ||
         stanza_add_text_child(ctx, x, "title", title) < 0 ||
         fill(ctx, x, ud) < 0 ||
         service_form_translate(svc, service_lang_of(svc, req), x) < 0)) {
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
    const char *lang = service_lang_of(svc, req);
    xmpp_stanza_t *reply = stanza_error_reply_lang(
        service_ctx(svc), req, type, condition,
        service_tr_lang(svc, lang, text), i18n_tag(lang));
    xmpp_stanza_t *err =
        reply ? xmpp_stanza_get_child_by_name(reply, "error") : NULL;

    if (reply && (!err || !stanza_add_child(service_ctx(svc), err, specific,
                                            NS_COMMANDS))) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
}

/* --- runs --- */

/* Opens the run sid of cmd for owner. Returns 0, or -1 after logging a
 * store failure into *fault. */
static int run_open(struct service *svc, const struct adhoc_command *cmd,
                    const char *owner, const char *sid,
                    struct service_fault *fault)
{
    int64_t now = service_wall_ms(svc);

    if (store_adhoc_open(service_store(svc), sid, cmd->node, owner, now,
                         now + ADHOC_RUN_TTL_MS, ADHOC_RUNS_PER_OWNER) < 0) {
        service_store_failed(svc, "opening a command session", fault);
        return -1;
    }
    return 0;
}

/* Looks up (take: and closes) the run sid of owner running cmd: 1 when it
 * is open, 0 after answering iq with why not (none, expired, or the store
 * failed). */
static int run_get(struct service *svc, xmpp_stanza_t *iq,
                   const struct adhoc_command *cmd, const char *sid, int take)
{
    struct store *st = service_store(svc);
    const char *owner = xmpp_stanza_get_from(iq);
    int64_t expires = 0;
    int rc = take ? store_adhoc_take(st, sid, cmd->node, owner, &expires)
                  : store_adhoc_find(st, sid, cmd->node, owner, &expires);

    if (rc == STORE_ENOTFOUND) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-sessionid",
                    "no such command session: start the command again");
        return 0;
    }
    if (rc < 0) {
        service_store_error(svc, iq, "looking up a command session");
        return 0;
    }
    if (expires <= service_wall_ms(svc)) {
        /* Gone either way: a failure to delete it now leaves it to the
         * next run_open()'s prune. */
        if (!take)
            (void)store_adhoc_take(st, sid, cmd->node, owner, &expires);
        adhoc_error(svc, iq, ERR_CANCEL, "not-allowed", "session-expired",
                    "the command session expired: start the command again");
        return 0;
    }
    return 1;
}

/* The command of node, when iq is addressed to the component itself. */
static const struct adhoc_command *
command_find(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    const char *to = xmpp_stanza_get_to(iq);

    if (!node || !to || strcmp(to, service_config(svc)->domain) != 0)
        return NULL;
    for (size_t i = 0; i < adhoc_ncommands; i++) {
        if (strcmp(adhoc_commands[i].node, node) == 0)
            return &adhoc_commands[i];
    }
    for (size_t i = 0; i < admin_ncommands; i++) {
        if (strcmp(admin_commands[i].node, node) == 0)
            return &admin_commands[i];
    }
    return NULL;
}

/* Whether cmd is one of the administrators' commands. */
static int command_is_admin(const struct adhoc_command *cmd)
{
    for (size_t i = 0; i < admin_ncommands; i++) {
        if (cmd == &admin_commands[i])
            return 1;
    }
    return 0;
}

/* Whether the sender of iq is one of the admins, as the config says now
 * (it may have been reloaded since the start). */
static int sender_is_admin(struct service *svc, xmpp_stanza_t *iq)
{
    char *bare = stanza_bare_jid(xmpp_stanza_get_from(iq));
    int admin = bare && config_is_admin(service_config(svc), bare);

    free(bare);
    return admin;
}

/* The command of node for the sender of iq: an admin command is nobody
 * else's to discover. */
static const struct adhoc_command *
command_visible(struct service *svc, xmpp_stanza_t *iq, const char *node)
{
    const struct adhoc_command *cmd = command_find(svc, iq, node);

    return cmd && command_is_admin(cmd) && !sender_is_admin(svc, iq) ? NULL
                                                                     : cmd;
}

/* --- execution --- */

/* The user's number; 0, or -1 after completing the command with an error
 * note (the store failed, or cmd needs a number the user lacks). */
static int adhoc_user_phone(struct service *svc, xmpp_stanza_t *iq,
                            const char *sid, const struct adhoc_command *cmd,
                            const char *bare, char **phone)
{
    int rc = store_user_phone(service_store(svc), bare, phone);

    if (rc < 0 && rc != STORE_ENOTFOUND) {
        struct service_fault f;

        service_store_failed(svc, "looking up a user", &f);
        adhoc_done(svc, iq, sid, "error", "%s", service_tr(svc, f.text));
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

/* Answers iq with a stage of cmd: the form fill makes, after a note if
 * note_type is set, and opens the run sid that waits for it. */
static void
adhoc_stage(struct service *svc, xmpp_stanza_t *iq,
            const struct adhoc_command *cmd, const char *sid,
            int (*fill)(xmpp_ctx_t *, xmpp_stanza_t *, const char *),
            const char *phone, const char *note_type, const char *note)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    xmpp_stanza_t *reply = adhoc_reply(svc, iq, sid, "executing", NULL);
    xmpp_stanza_t *c =
        reply ? xmpp_stanza_get_child_by_ns(reply, NS_COMMANDS) : NULL;
    xmpp_stanza_t *actions, *x, *n;
    const char *lang = service_lang_of(svc, iq);
    struct service_fault fault;

    if (note)
        note = service_tr_lang(svc, lang, note);
    if (!c ||
        (note_type && (stanza_add_text_child(ctx, c, "note", note) < 0 ||
                       !(n = xmpp_stanza_get_child_by_name(c, "note")) ||
                       xmpp_stanza_set_type(n, note_type))) ||
        !(actions = stanza_add_child(ctx, c, "actions", NULL)) ||
        xmpp_stanza_set_attribute(actions, "execute", "complete") ||
        !stanza_add_child(ctx, actions, "complete", NULL) ||
        !(x = stanza_add_child(ctx, c, "x", NS_DATA)) ||
        xmpp_stanza_set_type(x, "form") || fill(ctx, x, phone) < 0 ||
        service_form_translate(svc, lang, x) < 0) {
        if (reply)
            xmpp_stanza_release(reply);
        reply = NULL;
    } else if (run_open(svc, cmd, xmpp_stanza_get_from(iq), sid, &fault) < 0) {
        xmpp_stanza_release(reply);
        service_error(svc, iq, fault.type, fault.condition, fault.text);
        return;
    }
    service_emit(svc, reply);
}

void adhoc_next_stage(struct service *svc, xmpp_stanza_t *req,
                      int (*fill)(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                                  const char *phone),
                      const char *phone, const char *note_type,
                      const char *note)
{
    xmpp_stanza_t *in = xmpp_stanza_get_child_by_ns(req, NS_COMMANDS);
    const char *node = in ? xmpp_stanza_get_attribute(in, "node") : NULL;
    const char *sid = in ? xmpp_stanza_get_attribute(in, "sessionid") : NULL;
    const struct adhoc_command *cmd = command_find(svc, req, node);

    /* The framework passed req to the command: it is one of its runs. */
    assert(cmd && sid);
    adhoc_stage(svc, req, cmd, sid, fill, phone, note_type, note);
}

/* The first stage: the form, with a new run; or a one-stage command. */
static void adhoc_start(struct service *svc, xmpp_stanza_t *iq,
                        const struct adhoc_command *cmd, const char *bare)
{
    char sid[ADHOC_RUNID_LEN], *phone = NULL;

    if (rand_hex_id(sid, sizeof(sid), "", ADHOC_RUNID_BYTES) < 0) {
        service_error(svc, iq, ERR_WAIT, "internal-server-error",
                      "no randomness for a session id");
        return;
    }
    if (adhoc_user_phone(svc, iq, sid, cmd, bare, &phone) < 0)
        goto out;
    if (!cmd->form)
        cmd->run(svc, iq, sid, NULL, bare, phone);
    else
        adhoc_stage(svc, iq, cmd, sid, cmd->form, phone, NULL, NULL);
out:
    free(phone);
}

/* A later stage of the run sid: cancel, or the submitted form. A wrong
 * step leaves the run open for the right one; cancel and submit close it,
 * and of two instances given the same submitted form, one runs it. */
static void adhoc_continue(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *command,
                           const struct adhoc_command *cmd, const char *sid,
                           const char *action, const char *bare)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(command, NS_DATA);
    const char *xtype = x ? xmpp_stanza_get_type(x) : NULL;
    int cancel = (action && strcmp(action, "cancel") == 0) ||
                 (xtype && strcmp(xtype, "cancel") == 0);
    int prev = !cancel && action && strcmp(action, "prev") == 0;
    int submit = !cancel && !prev && xtype && strcmp(xtype, "submit") == 0;
    char *phone = NULL;

    if (!run_get(svc, iq, cmd, sid, cancel || submit))
        return;
    if (cancel) {
        adhoc_canceled(svc, iq);
        return;
    }
    if (prev) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-action",
                    "this command cannot go back a stage");
        return;
    }
    if (!submit) {
        adhoc_error(svc, iq, ERR_MODIFY, "bad-request", "bad-payload",
                    "submit the command's form");
        return;
    }
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

static void adhoc_execute(struct service *svc, xmpp_stanza_t *iq,
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
    if (command_is_admin(cmd) && !sender_is_admin(svc, iq)) {
        log_info(service_log(svc), "admin command %s refused to %s", node,
                 xmpp_stanza_get_from(iq));
        service_error(svc, iq, ERR_AUTH, "forbidden",
                      "only the administrators of this service may run this "
                      "command");
        return;
    }
    if (!(bare = service_check_sender(svc, iq)))
        return;
    log_debug(service_log(svc), "command %s (%s) from %s", node,
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

static int node_is_list(struct service *svc, xmpp_stanza_t *iq,
                        const char *node)
{
    const char *to = xmpp_stanza_get_to(iq);

    return strcmp(node, NS_COMMANDS) == 0 && to &&
           strcmp(to, service_config(svc)->domain) == 0;
}

static int adhoc_node_info(struct service *svc, xmpp_stanza_t *iq,
                           const char *node)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    const struct adhoc_command *cmd = command_visible(svc, iq, node);
    xmpp_stanza_t *reply, *q;
    int rc;

    if (!cmd && !node_is_list(svc, iq, node))
        return 0;
    reply = disco_reply_new(ctx, iq, NS_DISCO_INFO, node, &q);
    if (!reply) {
        service_emit(svc, NULL);
        return 1;
    }
    if (cmd)
        rc = disco_add_identity(ctx, q, "automation", "command-node",
                                service_tr(svc, cmd->name)) ||
             disco_add_feature(ctx, q, NS_COMMANDS) ||
             disco_add_feature(ctx, q, NS_DATA);
    else
        rc = disco_add_identity(ctx, q, "automation", "command-list",
                                service_tr(svc, "Commands")) ||
             disco_add_feature(ctx, q, NS_COMMANDS);
    if (rc) {
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    service_emit(svc, reply);
    return 1;
}

static int adhoc_node_items(struct service *svc, xmpp_stanza_t *iq,
                            const char *node)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    const char *domain = service_config(svc)->domain;
    const struct adhoc_command *cmd = command_visible(svc, iq, node);
    int list = node_is_list(svc, iq, node);
    size_t nadmin = list && sender_is_admin(svc, iq) ? admin_ncommands : 0;
    xmpp_stanza_t *reply, *q;

    if (!cmd && !list)
        return 0;
    reply = disco_reply_new(ctx, iq, NS_DISCO_ITEMS, node, &q);
    /* A command node has no items; the list has one per command. */
    for (size_t i = 0; reply && list && i < adhoc_ncommands; i++) {
        if (disco_add_item(ctx, q, domain, adhoc_commands[i].node,
                           service_tr(svc, adhoc_commands[i].name)) < 0) {
            xmpp_stanza_release(reply);
            reply = NULL;
        }
    }
    for (size_t i = 0; reply && i < nadmin; i++) {
        if (disco_add_item(ctx, q, domain, admin_commands[i].node,
                           admin_commands[i].name) < 0) {
            xmpp_stanza_release(reply);
            reply = NULL;
        }
    }
    service_emit(svc, reply);
    return 1;
}

static const char *const adhoc_disco[] = {NS_COMMANDS, NULL};

static const struct feature_iq adhoc_iqs[] = {
    {"set", "command", NS_COMMANDS, adhoc_execute},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_adhoc = {
    .name = "ad-hoc commands (XEP-0050)",
    .disco = adhoc_disco,
    .iqs = adhoc_iqs,
    .node_info = adhoc_node_info,
    .node_items = adhoc_node_items,
};
