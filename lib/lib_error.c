/* libcardx's error codes: their names, and the mapping from the internal
 * CX_* codes and from XMPP error conditions. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "common/errors.h"
#include "lib/lib_int.h"

static const struct {
    int code;
    const char *text;
} error_names[] = {
    {CARDX_OK, "success"},
    {CARDX_E_NOMEM, "out of memory"},
    {CARDX_E_INVAL, "invalid argument"},
    {CARDX_E_NOTFOUND, "not found"},
    {CARDX_E_EXISTS, "already exists"},
    {CARDX_E_DB, "the local store failed"},
    {CARDX_E_IO, "input/output error"},
    {CARDX_E_NET, "network error"},
    {CARDX_E_AUTH, "login refused"},
    {CARDX_E_REFUSED, "refused by the server or the card service"},
    {CARDX_E_NOTSUPP, "not supported by the server"},
    {CARDX_E_TIMEOUT, "timed out"},
    {CARDX_E_STATE, "not possible in this state (not online?)"},
    {CARDX_E_TLS, "TLS failed"},
    {CARDX_E_TLS_CERT, "the server's TLS certificate is not trusted"},
    {CARDX_E_TLS_CERT_NAME,
     "the server's TLS certificate does not name its XMPP domain"},
    {CARDX_E_TLS_REQUIRED, "the server offers no TLS"},
    {CARDX_E_NO_ACCOUNT, "no such account"},
    {CARDX_E_NOT_REGISTERED, "no phone number registered"},
    {CARDX_E_UNREACHABLE, "the card service cannot be reached"},
    {CARDX_E_LIMIT, "a limit of the card service was reached"},
};

const char *cardx_strerror(int err)
{
    for (size_t i = 0; i < sizeof(error_names) / sizeof(*error_names); i++) {
        if (error_names[i].code == err)
            return error_names[i].text;
    }
    return "unknown error";
}

void cardx_free(void *p)
{
    free(p);
}

const char *cardx_version(void)
{
    return PACKAGE_VERSION;
}

int lib_error_from_cx(int cx)
{
    switch (cx) {
    case CX_OK:
        return CARDX_OK;
    case CX_ENOMEM:
        return CARDX_E_NOMEM;
    case CX_EINVAL:
        return CARDX_E_INVAL;
    case CX_ENOTFOUND:
        return CARDX_E_NOTFOUND;
    case CX_EEXISTS:
        return CARDX_E_EXISTS;
    case CX_EDB:
        return CARDX_E_DB;
    case CX_EIO:
        return CARDX_E_IO;
    case CX_ENET:
        return CARDX_E_NET;
    case CX_EAUTH:
        return CARDX_E_AUTH;
    case CX_EREFUSED:
        return CARDX_E_REFUSED;
    case CX_ENOTSUPP:
        return CARDX_E_NOTSUPP;
    default:
        return cx < 0 ? CARDX_E_IO : CARDX_OK;
    }
}

int lib_error_from_condition(const char *cond)
{
    static const struct {
        const char *cond;
        int code;
    } conds[] = {
        {"registration-required", CARDX_E_NOT_REGISTERED},
        {"item-not-found", CARDX_E_NOTFOUND},
        {"policy-violation", CARDX_E_LIMIT},
        {"resource-constraint", CARDX_E_LIMIT},
        {"service-unavailable", CARDX_E_UNREACHABLE},
        {"remote-server-not-found", CARDX_E_UNREACHABLE},
        {"remote-server-timeout", CARDX_E_UNREACHABLE},
        {"recipient-unavailable", CARDX_E_UNREACHABLE},
        {"not-authorized", CARDX_E_AUTH},
        {"bad-request", CARDX_E_INVAL},
    };

    for (size_t i = 0; cond && i < sizeof(conds) / sizeof(*conds); i++) {
        if (strcmp(cond, conds[i].cond) == 0)
            return conds[i].code;
    }
    return CARDX_E_REFUSED;
}

void lib_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}
