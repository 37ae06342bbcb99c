/* Between the ad-hoc command framework (adhoc.c) and the commands it runs
 * (adhoc_commands.c). */
#ifndef CARDX_COMPONENT_FEATURES_ADHOC_H
#define CARDX_COMPONENT_FEATURES_ADHOC_H

#include <stddef.h>

#include "component/feature.h"

struct adhoc_command {
    const char *node;
    const char *name;
    int registered; /* only for users with a number */
    /* Fills the first stage's form; NULL for a one-stage command. phone is
     * the user's number or NULL. Returns 0 or -1. */
    int (*form)(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
    /* Does the command and answers iq; form is the submitted form (NULL for
     * a one-stage command). It may answer later, and with another stage
     * (adhoc_next_stage()). */
    void (*run)(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                xmpp_stanza_t *form, const char *bare, const char *phone);
};

/* The commands, in the order clients list them; the first registers. */
extern const struct adhoc_command adhoc_commands[];
extern const size_t adhoc_ncommands;
/* The administrators' commands (admin.c), listed after the others and
 * only to the JIDs of [component] admins; nobody else may run them. */
extern const struct adhoc_command admin_commands[];
extern const size_t admin_ncommands;

/* The longest note text adhoc_done() sends; longer ones are cut. */
#define ADHOC_NOTE_MAX 512

/* Completes the command req with a note (type "info" or "error") for the
 * user: errors of the request itself are told this way, as plain text. sid
 * NULL echoes req's sessionid. */
void adhoc_done(struct service *svc, xmpp_stanza_t *req, const char *sid,
                const char *type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Completes the command req with a result form (XEP-0004 type "result")
 * titled title, whose fields fill adds (ud passed along); for answers an
 * admin's client shows as a table rather than as one text. The title and
 * the labels are English (marked N_) and reach the requester translated
 * whole; values fill puts in its reader's language itself. */
void adhoc_done_form(struct service *svc, xmpp_stanza_t *req, const char *sid,
                     const char *title,
                     int (*fill)(xmpp_ctx_t *ctx, xmpp_stanza_t *x, void *ud),
                     void *ud);
/* The command "language" (adhoc_language.c). */
int adhoc_language_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone);
void adhoc_language_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone);

/* Answers req, a submission of a run of its command, with another stage:
 * the form fill makes (given phone), under a note when note_type ("info"
 * or "error") is not NULL; the run stays open for that form. */
void adhoc_next_stage(struct service *svc, xmpp_stanza_t *req,
                      int (*fill)(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                                  const char *phone),
                      const char *phone, const char *note_type,
                      const char *note);

#endif
