/* XEP-0114 component handshake digest. */
#ifndef CARDX_XEP_HANDSHAKE_H
#define CARDX_XEP_HANDSHAKE_H

#include <stddef.h>

/* Size of the hex digest buffer including the terminating NUL. */
#define HANDSHAKE_DIGEST_SIZE 41

/* Writes lowercase hex(SHA-1(stream_id || secret)) into out, which must hold
 * HANDSHAKE_DIGEST_SIZE bytes. Returns 0, CX_EINVAL when an argument is
 * NULL, or CX_ENOMEM. */
int handshake_digest(const char *stream_id, const char *secret,
                     char out[HANDSHAKE_DIGEST_SIZE]);

#endif
