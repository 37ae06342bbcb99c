/* XEP-0114 component handshake digest, on libstrophe's SHA-1. */
#include "xep/handshake.h"

#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "common/errors.h"

int handshake_digest(const char *stream_id, const char *secret,
                     char out[HANDSHAKE_DIGEST_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[XMPP_SHA1_DIGEST_SIZE];
    size_t idlen, secretlen;
    unsigned char *buf;

    if (!stream_id || !secret || !out)
        return CX_EINVAL;
    idlen = strlen(stream_id);
    secretlen = strlen(secret);
    buf = malloc(idlen + secretlen + 1);
    if (!buf)
        return CX_ENOMEM;
    memcpy(buf, stream_id, idlen);
    memcpy(buf + idlen, secret, secretlen);
    xmpp_sha1_digest(buf, idlen + secretlen, digest);
    free(buf);
    for (size_t i = 0; i < XMPP_SHA1_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[2 * XMPP_SHA1_DIGEST_SIZE] = '\0';
    return 0;
}
