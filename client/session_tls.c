/* Why TLS failed, from libstrophe's certificate-failure handler: whether
 * the server's certificate names the XMPP domain, or is only not trusted,
 * and what to do about each. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/session_int.h"

/* The certificate-failure handler has no user data (nor, in 0.12.2, a
 * connection to ask for its JID): it reports what it sees through the
 * context's log handler (the session's), under areas of its own, and the
 * session judges it against the domain it logs in to. */
#define AREA_CERT_NAMES "cardx-cert-names"
#define AREA_CERT_ERROR "cardx-cert-error"

/* Hands a finding to the context's log handler. xmpp_log is deprecated in
 * 0.12 ("will be private"), yet it is the one way from this handler to the
 * session; a libstrophe whose handler gets user data replaces this. */
static void report(const xmpp_ctx_t *ctx, const char *area, const char *fmt,
                   ...) __attribute__((format(printf, 3, 4)));
static void report(const xmpp_ctx_t *ctx, const char *area, const char *fmt,
                   ...)
{
    va_list ap;

    va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    xmpp_log(ctx, XMPP_LEVEL_ERROR, area, fmt, ap);
#pragma GCC diagnostic pop
    va_end(ap);
}

/* True when name is one of the ", "-separated names in list. */
static int name_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list;

    while ((p = strstr(p, name))) {
        if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p += n;
    }
    return 0;
}

/* The certificate's DNS names, each once, separated by ", "; without any,
 * its subject. */
static void cert_names(const xmpp_tlscert_t *cert, char *out, size_t size)
{
    const char *name, *subject;
    size_t n, len = 0;

    out[0] = '\0';
    for (n = 0; (name = xmpp_tlscert_get_dnsname(cert, n)); n++) {
        if (name_listed(out, name) || len >= size)
            continue;
        len += (size_t)snprintf(out + len, size - len, "%s%s", len ? ", " : "",
                                name);
    }
    if (n == 0) {
        subject = xmpp_tlscert_get_string(cert, XMPP_CERT_SUBJECT);
        snprintf(out, size, "%s", subject ? subject : "");
    }
}

int session_on_certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
    xmpp_ctx_t *ctx = xmpp_tlscert_get_ctx(cert);
    char names[256];

    cert_names(cert, names, sizeof(names));
    report(ctx, AREA_CERT_NAMES, "%s", names);
    report(ctx, AREA_CERT_ERROR, "%s", errormsg ? errormsg : "not trusted");
    return 0; /* refuse it: only the user can decide to trust it */
}

int session_tls_note(struct session *s, const char *area, const char *msg)
{
    if (strcmp(area, AREA_CERT_NAMES) == 0) {
        s->cert_seen = 1;
        session_format_into(s->cert_names, sizeof(s->cert_names), "%s", msg);
        return 1;
    }
    if (strcmp(area, AREA_CERT_ERROR) == 0) {
        /* The first verdict is the one about the server's own. */
        if (!s->cert_error[0])
            session_format_into(s->cert_error, sizeof(s->cert_error), "%s",
                                msg);
        return 1;
    }
    return 0;
}

/* True when the certificate name pattern (a DNS name, or "*.rest" for one
 * label) names domain. */
static int name_matches(const char *pattern, const char *domain)
{
    const char *dot;

    if (strcasecmp(pattern, domain) == 0)
        return 1;
    if (strncmp(pattern, "*.", 2) != 0)
        return 0;
    dot = strchr(domain, '.');
    return dot && dot != domain && strcasecmp(pattern + 1, dot) == 0;
}

/* True when one of the ", "-separated names names domain. */
static int names_match(const char *names, const char *domain)
{
    char one[256];
    const char *p = names;
    size_t n;

    while (*p) {
        n = strcspn(p, ",");
        snprintf(one, sizeof(one), "%.*s", (int)n, p);
        if (name_matches(one, domain))
            return 1;
        p += n;
        p += strspn(p, ", ");
    }
    return 0;
}

/* The domain the session logs in to, for messages. */
static const char *jid_domain(const struct session *s)
{
    const char *at = s->jid ? strchr(s->jid, '@') : NULL;

    return at ? at + 1 : "?";
}

/* The reason TLS failed, from what the handlers and the log saw. */
static enum session_reason tls_reason(const struct session *s)
{
    if (s->cert_seen)
        return names_match(s->cert_names, jid_domain(s))
                   ? SESSION_WHY_CERT_UNTRUSTED
                   : SESSION_WHY_CERT_NAME;
    return s->tls_missing ? SESSION_WHY_TLS_MISSING : SESSION_WHY_TLS_FAILED;
}

int session_explain_tls(struct session *s)
{
    const char *domain = jid_domain(s);

    s->why = tls_reason(s);
    if (s->why == SESSION_WHY_CERT_NAME)
        session_set_err(
            s,
            "cannot connect to %s: its TLS certificate names %s, not the "
            "XMPP domain %s; the server's admin must install a "
            "certificate for %s (Debian's default one names only the "
            "host)",
            s->server_name, s->cert_names[0] ? s->cert_names : "nothing",
            domain, domain);
    else if (s->why == SESSION_WHY_CERT_UNTRUSTED)
        session_set_err(
            s,
            "cannot connect to %s: its TLS certificate for %s is not "
            "trusted (%s); if the server uses a self-signed certificate "
            "or a private CA, give that certificate with --cafile FILE",
            s->server_name, domain, s->cert_error);
    else if (s->why == SESSION_WHY_TLS_MISSING)
        session_set_err(s,
                        "cannot connect to %s: the server does not offer TLS "
                        "(see --insecure-plaintext)",
                        s->server_name);
    else
        session_set_err(
            s,
            "cannot connect to %s: TLS negotiation failed%s%s; cardx and "
            "the server share no TLS version or cipher, or the server's "
            "TLS set-up is broken (its log says which)",
            s->server_name, s->tls_detail[0] ? ": " : "", s->tls_detail);
    return s->why == SESSION_WHY_TLS_MISSING ? SESSION_ENOTSUPP : SESSION_ENET;
}
