/* What a failure of the store answers, in one place: the condition and
 * text a requester hears, and the damaged store reported once. Part of the
 * service core. */
#include "component/service_core.h"
#include <stdarg.h>
#include <stdio.h>

#include "common/i18n.h"
#include "xep/stanza.h"

void service_fault_answer(enum store_fault fault, struct service_fault *out)
{
    out->type = ERR_WAIT;
    out->condition = "internal-server-error";
    switch (fault) {
    case STORE_FAULT_FULL:
        out->condition = "resource-constraint";
        out->text = N_("the card store is full; try again later");
        break;
    case STORE_FAULT_BUSY:
        out->condition = "resource-constraint";
        out->text = N_("the card store is busy; try again in a moment");
        break;
    case STORE_FAULT_DOWN:
        out->condition = "remote-server-timeout";
        out->text = N_("the card store is unreachable; try again in a "
                       "moment");
        break;
    case STORE_FAULT_IO:
        out->text = N_("the card store cannot be read or written; try again "
                       "later");
        break;
    case STORE_FAULT_CORRUPT:
        out->text = SERVICE_DAMAGED_TEXT;
        break;
    default:
        out->text = N_("the card store failed; try again later");
        break;
    }
}

/* Reports the damaged store to the log, once: it needs a person. */
static void service_damage_log(struct service *svc)
{
    if (svc->damage_logged)
        return;
    svc->damage_logged = 1;
    log_error(svc->log,
              "the database %s is damaged (%s): cardxd accepts no more "
              "cards; stop it and recover the file (see ADMIN.md)",
              svc->cfg->database, store_errmsg(svc->store));
}

void service_store_failed(struct service *svc, const char *what,
                          struct service_fault *out)
{
    enum store_fault fault = store_fault(svc->store);

    stats_store_error(svc->stats, clock_wall_ms());

    if (fault == STORE_FAULT_CORRUPT)
        service_damage_log(svc);
    else
        log_error(svc->log, "%s: %s", what, store_errmsg(svc->store));
    service_fault_answer(fault, out);
}

void service_store_error(struct service *svc, xmpp_stanza_t *req,
                         const char *what)
{
    struct service_fault f;

    service_store_failed(svc, what, &f);
    service_error(svc, req, f.type, f.condition, f.text);
}

int service_store_refuses(struct service *svc, struct service_fault *out)
{
    if (!store_damaged(svc->store))
        return 0;
    service_damage_log(svc);
    service_fault_answer(STORE_FAULT_CORRUPT, out);
    return 1;
}

void service_outcome_fail(struct service_outcome *out, const char *type,
                          const char *condition, const char *fmt, ...)
{
    va_list ap;

    out->type = type;
    out->condition = condition;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
}

void service_outcome_store(struct service *svc, struct service_outcome *out,
                           const char *what)
{
    struct service_fault f;

    service_store_failed(svc, what, &f);
    service_outcome_fail(out, f.type, f.condition, "%s",
                         service_tr(svc, f.text));
}
