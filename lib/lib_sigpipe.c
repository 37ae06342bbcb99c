/* Keeps the library's socket writes from raising SIGPIPE in the
 * application, without touching its signal disposition: the signal is
 * blocked in this thread while libstrophe writes, and one it raised is
 * taken off the pending set before the mask is restored. */
#include <signal.h>
#include <time.h>

#include "lib/lib_int.h"

static void sigpipe_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGPIPE);
}

void lib_sigpipe_enter(struct lib_sigpipe *g)
{
    sigset_t set, pending;

    sigpipe_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, &g->old_mask);
    /* One pending before we start is the application's to receive. */
    g->was_pending =
        sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

void lib_sigpipe_leave(struct lib_sigpipe *g)
{
    sigset_t set, pending;
    const struct timespec now = {0, 0};

    sigpipe_set(&set);
    if (!g->was_pending && sigpending(&pending) == 0 &&
        sigismember(&pending, SIGPIPE))
        sigtimedwait(&set, NULL, &now);
    pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}
