/* The one error convention of cardx's libraries: 0 or a negative code. */
#ifndef CARDX_COMMON_ERRORS_H
#define CARDX_COMMON_ERRORS_H

/*
 * Every library function that can fail returns 0 (or a count, where its
 * comment says so) on success and one of these negative codes on failure.
 * A module may give a code its own name (STORE_ENOTFOUND), but never its own
 * value: out-of-memory is CX_ENOMEM everywhere. Exit statuses belong to the
 * programs' main(), never to a library.
 */
#define CX_OK 0
#define CX_ENOMEM (-1)    /* an allocation failed */
#define CX_EINVAL (-2)    /* bad input: the caller or the user can fix it */
#define CX_ENOTFOUND (-3) /* no such item */
#define CX_EEXISTS (-4)   /* the item exists, or belongs to someone else */
#define CX_EDB (-5)       /* the database failed; its module says why */
#define CX_EIO (-6)       /* a file or the system failed */
#define CX_ENET (-7)      /* no connection, the stream was lost, timed out */
#define CX_EAUTH (-8)     /* the server refused the login */
#define CX_EREFUSED (-9)  /* the peer answered with an error */
#define CX_ENOTSUPP (-10) /* the peer lacks a needed feature */

#endif
