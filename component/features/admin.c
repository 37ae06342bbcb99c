/* The administrators' ad-hoc commands (XEP-0050), for the JIDs of
 * [component] admins: statistics, looking up a number or a JID,
 * unregistering a user, purging a number's waiting cards, and the numbers
 * users block and the accounts the limits hold back. The framework
 * (adhoc.c) hides them from everyone else and refuses them. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/i18n.h"
#include "common/phone.h"
#include "common/util.h"
#include "component/features/adhoc.h"
#include "component/features/register.h"
#include "component/limits.h"
#include "xep/form.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* Rows the list of blocked numbers and of limited accounts shows. */
#define ADMIN_LIST_MAX 50
#define ADMIN_VALUE_MAX 256

/* --- form helpers --- */

/* Adds a text-single field holding the printf-formatted value. */
static int field_printf(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *var,
                        const char *label, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int field_printf(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *var,
                        const char *label, const char *fmt, ...)
{
    char value[ADMIN_VALUE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    return form_add_field(ctx, x, var, "text-single", label, value, 0);
}

/* Adds a text-multi field var, with one value per line of lines. */
static int field_lines(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *var,
                       const char *label, const struct strv *lines)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, x, "field", NULL);

    if (!f || xmpp_stanza_set_attribute(f, "var", var) ||
        xmpp_stanza_set_attribute(f, "type", "text-multi") ||
        xmpp_stanza_set_attribute(f, "label", label))
        return -1;
    for (size_t i = 0; i < lines->n; i++) {
        if (stanza_add_text_child(ctx, f, "value", lines->v[i]) < 0)
            return -1;
    }
    return 0;
}

/* unix seconds as "2026-11-30 15:04:05 UTC"; never (a text in the
 * reader's language) for 0. */
static void time_format(int64_t unix_s, const char *never, char *buf,
                        size_t len)
{
    time_t t = (time_t)unix_s;
    struct tm tm;

    if (unix_s <= 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, len, "%s", never);
}

/* The submitted value of var with spaces around it cut, the caller's to
 * free(); NULL when absent or empty. */
static char *form_input(struct service *svc, xmpp_stanza_t *form,
                        const char *var)
{
    char *raw = form ? form_get_value(form, var) : NULL;
    char *out = NULL;
    const char *p = raw;
    size_t n;

    if (!raw)
        return NULL;
    p += strspn(p, " \t\r\n");
    n = strlen(p);
    while (n > 0 && strchr(" \t\r\n", p[n - 1]))
        n--;
    if (n > 0)
        out = strndup(p, n);
    xmpp_free(service_ctx(svc), raw);
    return out;
}

static int form_confirmed(struct service *svc, xmpp_stanza_t *form)
{
    char *v = form_input(svc, form, "confirm");
    int yes = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);

    free(v);
    return yes;
}

/* The store failed: completes the command with what the requester hears. */
static void admin_store_failed(struct service *svc, xmpp_stanza_t *iq,
                               const char *sid, const char *what)
{
    struct service_fault f;

    service_store_failed(svc, what, &f);
    adhoc_done(svc, iq, sid, "error", "%s", service_tr(svc, f.text));
}

/* --- statistics --- */

struct stats_view {
    struct service *svc;
    const char *lang; /* the requester's */
    int64_t users, waiting, oldest;
};

/* One "reason: hour / day" line per reason of ev. */
struct reason_lines {
    const struct stats *st;
    enum stats_event ev;
    int64_t now;
    struct strv lines;
    int failed;
};

static void reason_line(void *ud, const char *reason)
{
    struct reason_lines *rl = ud;
    char *line = str_printf(
        "%s: %" PRIu64 " / %" PRIu64, reason[0] ? reason : "-",
        stats_window(rl->st, rl->ev, reason, rl->now, STATS_HOUR_MIN),
        stats_window(rl->st, rl->ev, reason, rl->now, STATS_DAY_MIN));

    if (!line || strv_push(&rl->lines, line) < 0)
        rl->failed = 1;
    free(line);
}

static int stats_reasons(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                         const struct stats *st, enum stats_event ev,
                         int64_t now, const char *var, const char *label)
{
    struct reason_lines rl = {st, ev, now, {0}, 0};
    int rc;

    stats_each_reason(st, ev, reason_line, &rl);
    rc = rl.failed ? -1 : field_lines(ctx, x, var, label, &rl.lines);
    strv_clear(&rl.lines);
    return rc;
}

/* The counters the statistics show, with their labels whole (the form is
 * translated once filled: a label built from pieces would not be). */
static const struct {
    enum stats_event ev;
    const char *hour, *day;
} stats_shown[] = {
    {STATS_ACCEPTED, N_("Cards accepted, last hour"),
     N_("Cards accepted, last day")},
    {STATS_DELIVERED, N_("Cards delivered, last hour"),
     N_("Cards delivered, last day")},
    {STATS_ACKED, N_("Cards acked, last hour"), N_("Cards acked, last day")},
    {STATS_EXPIRED, N_("Cards expired, last hour"),
     N_("Cards expired, last day")},
    {STATS_RETIRED, N_("Cards retired, last hour"),
     N_("Cards retired, last day")},
    {STATS_REFUSED, N_("Cards refused, last hour"),
     N_("Cards refused, last day")},
};

static int stats_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, void *ud)
{
    const struct stats_view *v = ud;
    const struct stats *st = service_stats(v->svc);
    int64_t now = service_now_ms(v->svc);
    struct stats_link link;
    char oldest[64];

    stats_link_get(st, now, &link);
    time_format(v->oldest, service_tr_lang(v->svc, v->lang, "never"), oldest,
                sizeof(oldest));
    if (field_printf(ctx, x, "users", N_("Registered users"), "%" PRId64,
                     v->users) < 0 ||
        field_printf(ctx, x, "waiting", N_("Waiting cards"), "%" PRId64,
                     v->waiting) < 0 ||
        field_printf(ctx, x, "oldest", N_("Oldest waiting card"), "%s",
                     v->waiting ? oldest
                                : service_tr_lang(v->svc, v->lang, "none")) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(stats_shown) / sizeof(stats_shown[0]); i++) {
        enum stats_event ev = stats_shown[i].ev;
        const char *name = stats_event_name(ev);
        char var[64];

        snprintf(var, sizeof(var), "%s-hour", name);
        if (field_printf(ctx, x, var, stats_shown[i].hour, "%" PRIu64,
                         stats_window(st, ev, NULL, now, STATS_HOUR_MIN)) < 0)
            return -1;
        snprintf(var, sizeof(var), "%s-day", name);
        if (field_printf(ctx, x, var, stats_shown[i].day, "%" PRIu64,
                         stats_window(st, ev, NULL, now, STATS_DAY_MIN)) < 0)
            return -1;
    }
    if (stats_reasons(ctx, x, st, STATS_REFUSED, now, "refused-reasons",
                      N_("Refused by reason (last hour / last day)")) < 0 ||
        stats_reasons(ctx, x, st, STATS_RETIRED, now, "retired-reasons",
                      N_("Retired unacknowledged by reason (last hour / last "
                         "day)")) < 0 ||
        field_printf(ctx, x, "link-up", N_("Link to the server up"), "%s",
                     service_tr_lang(v->svc, v->lang,
                                     link.up ? N_("yes") : N_("no"))) < 0 ||
        field_printf(ctx, x, "link-uptime", N_("Link up for (seconds)"),
                     "%" PRId64, link.uptime_ms / 1000) < 0 ||
        field_printf(ctx, x, "link-reconnects", N_("Reconnects since start"),
                     "%" PRIu64, link.reconnects) < 0 ||
        field_printf(ctx, x, "uptime", N_("cardxd up for (seconds)"),
                     "%" PRId64, link.process_uptime_ms / 1000) < 0)
        return -1;
    return 0;
}

static void stats_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    struct stats_view v = {svc, service_lang_of(svc, iq), 0, 0, 0};

    (void)form;
    (void)bare;
    (void)phone;
    if (store_report_users(service_store(svc), &v.users) < 0 ||
        store_report_inbox(service_store(svc), &v.waiting, &v.oldest) < 0) {
        admin_store_failed(svc, iq, sid, "counting users and cards");
        return;
    }
    adhoc_done_form(svc, iq, sid, N_("cardx statistics"), stats_fill, &v);
}

/* --- finding a user --- */

/* Who an admin named: a JID (with '@') or a phone number. */
struct target {
    char *jid;   /* bare, when a JID was given or the number has an owner */
    char *phone; /* E.164, when a number was given or the JID has one */
    struct store_user_info info;
    int found; /* info holds the registered user */
};

static void target_clear(struct target *t)
{
    free(t->jid);
    free(t->phone);
    store_user_info_clear(&t->info);
    memset(t, 0, sizeof(*t));
}

/* Resolves input into t. Returns 0, or -1 after completing the command
 * with an error note (bad input, or the store failed). A number nobody has
 * is no error here (cards may be held for it); a JID nobody has is. */
static int target_find(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                       const char *input, struct target *t)
{
    const char *why = NULL;
    int rc;

    memset(t, 0, sizeof(*t));
    if (!input) {
        adhoc_done(svc, iq, sid, "error",
                   "enter a phone number or a JID (user@domain)");
        return -1;
    }
    if (strchr(input, '@')) {
        t->jid = stanza_bare_jid(input);
        if (!t->jid) {
            adhoc_done(svc, iq, sid, "error", "'%s' is not a JID", input);
            return -1;
        }
    } else if (phone_normalize(input, service_config(svc)->default_region,
                               &t->phone, &why) != PHONE_OK) {
        adhoc_done(
            svc, iq, sid, "error", "invalid phone number '%s': %s", input,
            why ? service_tr(svc, why) : service_tr(svc, "not a valid number"));
        return -1;
    }
    rc = store_report_user(service_store(svc), t->phone, t->jid, &t->info);
    if (rc < 0 && rc != STORE_ENOTFOUND) {
        admin_store_failed(svc, iq, sid, "looking up a user");
        target_clear(t);
        return -1;
    }
    t->found = rc == 0;
    if (!t->found && t->jid) {
        adhoc_done(svc, iq, sid, "error", "%s has no number registered here",
                   t->jid);
        target_clear(t);
        return -1;
    }
    return 0;
}

/* The number of t: its own, or the one an admin gave. */
static const char *target_phone(const struct target *t)
{
    return t->found ? t->info.phone : t->phone;
}

static int who_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *title,
                    const char *instructions, int confirm)
{
    if (form_add_head(ctx, x, title, instructions) < 0 ||
        form_add_field(ctx, x, "who", "text-single",
                       "Phone number or JID (user@domain)", NULL, 1) < 0 ||
        (confirm && form_add_field(ctx, x, "confirm", "boolean", "Yes, do it",
                                   "0", 1) < 0))
        return -1;
    return 0;
}

/* --- lookup --- */

static int lookup_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    return who_form(ctx, x, N_("Look up a user"),
                    N_("A phone number gives its owner's JID; a JID gives its "
                       "number. Both give the cards waiting."),
                    0);
}

struct lookup_view {
    const struct service *svc;
    const char *lang; /* the requester's */
    const struct target *t;
    int64_t waiting;
};

static int lookup_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, void *ud)
{
    const struct lookup_view *v = ud;
    const struct target *t = v->t;
    const char *never = service_tr_lang(v->svc, v->lang, "never");
    char since[64], proven[64];

    time_format(t->found ? t->info.registered_at : 0, never, since,
                sizeof(since));
    time_format(t->found ? t->info.proven_at : 0, never, proven,
                sizeof(proven));
    if (field_printf(ctx, x, "phone", N_("Phone number"), "%s",
                     target_phone(t)) < 0 ||
        field_printf(ctx, x, "jid", N_("JID"), "%s",
                     t->found ? t->info.jid : "") < 0 ||
        field_printf(ctx, x, "registered", N_("Registered since"), "%s",
                     t->found ? since
                              : service_tr_lang(v->svc, v->lang,
                                                "not registered")) < 0 ||
        field_printf(ctx, x, "proven", N_("Number proven"), "%s",
                     t->found && t->info.proven_at
                         ? proven
                         : service_tr_lang(v->svc, v->lang, "no")) < 0 ||
        field_printf(ctx, x, "waiting", N_("Waiting cards"), "%" PRId64,
                     v->waiting) < 0)
        return -1;
    return 0;
}

static void lookup_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                       xmpp_stanza_t *form, const char *bare, const char *phone)
{
    char *input = form_input(svc, form, "who");
    struct target t;
    struct lookup_view v = {svc, service_lang_of(svc, iq), &t, 0};

    (void)bare;
    (void)phone;
    if (target_find(svc, iq, sid, input, &t) < 0)
        goto out;
    if (store_inbox_count_number(service_store(svc), target_phone(&t),
                                 &v.waiting) < 0)
        admin_store_failed(svc, iq, sid, "counting a number's cards");
    else if (!t.found && v.waiting == 0)
        adhoc_done(svc, iq, sid, "error",
                   "nobody has registered %s and no cards wait for it",
                   SERVICE_PHONE_SHOWN(t.phone));
    else
        adhoc_done_form(svc, iq, sid, N_("cardx user"), lookup_fill, &v);
    target_clear(&t);
out:
    free(input);
}

/* --- unregister --- */

static int unregister_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    return who_form(ctx, x, N_("Unregister a user"),
                    N_("The number becomes free; the user's card and the cards "
                       "waiting for the number are deleted."),
                    1);
}

static void unregister_run(struct service *svc, xmpp_stanza_t *iq,
                           const char *sid, xmpp_stanza_t *form,
                           const char *bare, const char *phone)
{
    char *input = form_input(svc, form, "who");
    struct register_outcome out;
    struct target t;
    int64_t waiting = 0;

    (void)phone;
    if (!form_confirmed(svc, form)) {
        adhoc_done(svc, iq, sid, "info", "Nothing changed: not confirmed.");
        goto out;
    }
    if (target_find(svc, iq, sid, input, &t) < 0)
        goto out;
    if (!t.found) {
        adhoc_done(svc, iq, sid, "error", "nobody has registered %s",
                   SERVICE_PHONE_SHOWN(t.phone));
    } else if (store_inbox_count_number(service_store(svc), t.info.phone,
                                        &waiting) < 0) {
        admin_store_failed(svc, iq, sid, "counting a number's cards");
    } else {
        register_drop(svc, t.info.jid, &out);
        if (out.o.type) {
            adhoc_done(svc, iq, sid, "error", "%s", out.o.text);
        } else {
            log_warn(service_log(svc),
                     "admin %s unregistered %s (%s): %" PRId64
                     " waiting cards deleted",
                     bare, t.info.jid, t.info.phone, waiting);
            /* Two texts, not a plural form (adhoc_commands.c). */
            if (waiting == 1)
                adhoc_done(svc, iq, sid, "info",
                           "Unregistered %s (%s): the number is free; 1 "
                           "waiting card deleted.",
                           SERVICE_PHONE_SHOWN(t.info.phone), t.info.jid);
            else
                adhoc_done(svc, iq, sid, "info",
                           "Unregistered %s (%s): the number is free; %lld "
                           "waiting cards deleted.",
                           SERVICE_PHONE_SHOWN(t.info.phone), t.info.jid,
                           (long long)waiting);
            register_announce(svc, t.info.jid, 0);
        }
    }
    target_clear(&t);
out:
    free(input);
}

/* --- purge --- */

static int purge_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    (void)phone;
    return who_form(ctx, x, N_("Purge the waiting cards of a number"),
                    N_("Every card waiting for the number (of its owner, or "
                       "held for it) is deleted unread; the user stays "
                       "registered."),
                    1);
}

static void purge_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                      xmpp_stanza_t *form, const char *bare, const char *phone)
{
    char *input = form_input(svc, form, "who");
    struct target t;
    int64_t purged = 0;

    (void)phone;
    if (!form_confirmed(svc, form)) {
        adhoc_done(svc, iq, sid, "info", "Nothing changed: not confirmed.");
        goto out;
    }
    if (target_find(svc, iq, sid, input, &t) < 0)
        goto out;
    if (store_report_purge(service_store(svc), target_phone(&t), &purged) < 0) {
        admin_store_failed(svc, iq, sid, "purging a number's cards");
    } else {
        log_warn(service_log(svc),
                 "admin %s purged %" PRId64 " cards waiting for %s", bare,
                 purged, target_phone(&t));
        if (purged == 1)
            adhoc_done(svc, iq, sid, "info", "Deleted 1 card waiting for %s.",
                       SERVICE_PHONE_SHOWN(target_phone(&t)));
        else
            adhoc_done(svc, iq, sid, "info",
                       "Deleted %lld cards waiting for %s.", (long long)purged,
                       SERVICE_PHONE_SHOWN(target_phone(&t)));
    }
    target_clear(&t);
out:
    free(input);
}

/* --- blocked and limited accounts --- */

struct list_view {
    const struct service *svc;
    const char *lang; /* the requester's */
    struct strv blocked;
    struct strv limited;
};

/* Numbers in form values stay E.164, as on the wire (xep/cardx.md §16):
 * an admin copies them into the next command. */
static int blocked_row(void *ud, const char *phone, int64_t users)
{
    struct list_view *v = ud;
    char *line = users == 1
                     ? str_printf(service_tr_lang(v->svc, v->lang,
                                                  "%s: blocked by 1 user"),
                                  phone)
                     : str_printf(service_tr_lang(v->svc, v->lang,
                                                  "%s: blocked by %lld users"),
                                  phone, (long long)users);
    int rc = line ? strv_push(&v->blocked, line) : -1;

    free(line);
    return rc < 0 ? STORE_ENOMEM : 0;
}

static int limited_row(void *ud, const char *jid, int kind, int64_t until)
{
    static const char *const what[LIMITS_NKINDS] = {
        [LIMITS_MINUTE] = "sends_per_minute",
        [LIMITS_DAY] = "sends_per_day",
        [LIMITS_LOOKUPS] = "lookups_per_day",
    };
    struct list_view *v = ud;
    char when[64], *line;
    int rc;

    time_format(until / 1000, service_tr_lang(v->svc, v->lang, "never"), when,
                sizeof(when));
    /* TRANSLATORS: the second %s is a config key (sends_per_day, ...). */
    line = str_printf(
        service_tr_lang(v->svc, v->lang, "%s: %s reached until %s"), jid,
        kind >= 0 && kind < LIMITS_NKINDS ? what[kind] : "limit", when);
    rc = line ? strv_push(&v->limited, line) : -1;
    free(line);
    return rc < 0 ? STORE_ENOMEM : 0;
}

static int list_fill(xmpp_ctx_t *ctx, xmpp_stanza_t *x, void *ud)
{
    const struct list_view *v = ud;

    if (field_lines(ctx, x, "blocked", N_("Numbers users blocked (most first)"),
                    &v->blocked) < 0 ||
        field_lines(ctx, x, "limited", N_("Accounts held back by [limits] now"),
                    &v->limited) < 0)
        return -1;
    return 0;
}

static void accounts_run(struct service *svc, xmpp_stanza_t *iq,
                         const char *sid, xmpp_stanza_t *form, const char *bare,
                         const char *phone)
{
    const struct cardxd_config *cfg = service_config(svc);
    const int limit_of[LIMITS_NKINDS] = {
        [LIMITS_MINUTE] = cfg->sends_per_minute,
        [LIMITS_DAY] = cfg->sends_per_day,
        [LIMITS_LOOKUPS] = cfg->lookups_per_day,
    };
    struct list_view v = {svc, service_lang_of(svc, iq), {0}, {0}};

    (void)form;
    (void)bare;
    (void)phone;
    if (store_report_blocked(service_store(svc), ADMIN_LIST_MAX, blocked_row,
                             &v) < 0 ||
        store_report_limited(service_store(svc), limit_of, clock_wall_ms(),
                             ADMIN_LIST_MAX, limited_row, &v) < 0)
        admin_store_failed(svc, iq, sid,
                           "listing blocked and limited "
                           "accounts");
    else
        adhoc_done_form(svc, iq, sid, N_("Blocked and limited accounts"),
                        list_fill, &v);
    strv_clear(&v.blocked);
    strv_clear(&v.limited);
}

const struct adhoc_command admin_commands[] = {
    {"admin-stats", N_("Statistics (admin)"), 0, NULL, stats_run},
    {"admin-lookup", N_("Look up a number or a JID (admin)"), 0, lookup_form,
     lookup_run},
    {"admin-unregister", N_("Unregister a user (admin)"), 0, unregister_form,
     unregister_run},
    {"admin-purge", N_("Purge the waiting cards of a number (admin)"), 0,
     purge_form, purge_run},
    {"admin-accounts", N_("Blocked and limited accounts (admin)"), 0, NULL,
     accounts_run},
};

const size_t admin_ncommands =
    sizeof(admin_commands) / sizeof(admin_commands[0]);
