/* Proof of number ownership ([verify]): one-time codes sent through the
 * admin's program, run without a shell as PROGRAM NUMBER CODE in the
 * background, and checked when the user submits them. The core has no fd
 * hooks: while a program runs, the tick polls it (waitpid WNOHANG) and
 * reads its output without blocking. */
#include "component/features/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/phone.h"
#include "common/util.h"
#include "component/features/deliver.h"
#include "component/features/verify_code.h"
#include "xep/stanza.h"

extern char **environ;

/* How often a running program is looked at: a person waits for its
 * answer, so a little latency is fine; nothing runs most of the time. */
#define VERIFY_POLL_MS 25
/* Output of one run kept for the log; the rest is read and dropped. */
#define VERIFY_OUTPUT_MAX 2048

/* A program sending one code, and the request waiting for its outcome. */
struct verify_job {
    struct verify_job *next;
    pid_t pid;        /* 0 once reaped */
    int fd;           /* its stdout and stderr; -1 at end of file */
    int64_t deadline; /* service_now_ms() at which it is killed */
    int killed;
    char phone[32];
    char *bare;
    unsigned char hash[STORE_VERIFY_HASH_BYTES]; /* of the code it sends */
    xmpp_stanza_t *req;                          /* NULL once answered */
    register_done_fn done;
    char out[VERIFY_OUTPUT_MAX];
    size_t outlen;
};

/* Per instance: the jobs are this process's children, each answering the
 * request that started it here; the codes' key and hashes are in the
 * shared store, so a code sent by one instance is checked by any. */
struct verify {
    unsigned char key[STORE_VERIFY_KEY_BYTES]; /* of the codes' hashes */
    struct verify_job *jobs;
    int64_t next_poll; /* service_now_ms() of the next look at the jobs */
};

extern const struct feature feature_verify;

static struct verify *verify_state(const struct service *svc)
{
    return service_state(svc, &feature_verify);
}

int verify_required(const struct service *svc)
{
    const char *m = service_config(svc)->verify_method;

    return m && strcmp(m, "command") == 0;
}

static struct verify_limits verify_limits(const struct service *svc)
{
    const struct cardxd_config *cfg = service_config(svc);
    struct verify_limits lim = {cfg->verify_code_ttl_ms, cfg->verify_max_tries,
                                cfg->verify_codes_per_day};

    return lim;
}

/* "2025-01-31 14:05 UTC" for a unix ms time. */
static void format_utc(struct service *svc, int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(buf, len, "%s", service_tr(svc, "tomorrow"));
}

/* --- running the program --- */

static void job_free(struct verify_job *job)
{
    if (job->fd >= 0)
        close(job->fd);
    if (job->req)
        xmpp_stanza_release(job->req);
    free(job->bare);
    free(job);
}

/* Logs the complete lines of what the program wrote; with all, the rest
 * too. */
static void job_log_output(struct service *svc, struct verify_job *job, int all)
{
    char *start = job->out, *nl;
    size_t left = job->outlen;

    while ((nl = memchr(start, '\n', left)) || (all && left > 0)) {
        int n = nl ? (int)(nl - start) : (int)left;

        if (n > 0)
            log_info(service_log(svc), "code sender for %s: %.*s", job->phone,
                     n, start);
        n += nl ? 1 : 0;
        start += n;
        left -= (size_t)n;
    }
    memmove(job->out, start, left);
    job->outlen = left;
}

/* Reads what the program wrote so far, without blocking. */
static void job_read(struct service *svc, struct verify_job *job)
{
    char drop[512];

    while (job->fd >= 0) {
        size_t room = sizeof(job->out) - job->outlen;
        ssize_t n = room > 0 ? read(job->fd, job->out + job->outlen, room)
                             : read(job->fd, drop, sizeof(drop));

        if (n > 0 && room > 0)
            job->outlen += (size_t)n;
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            close(job->fd);
            job->fd = -1;
        }
        break;
    }
    job_log_output(svc, job, job->fd < 0);
}

/* Answers the request of job: the code went out, or it did not. */
static void job_answer(struct service *svc, struct verify_job *job, int sent)
{
    struct register_outcome out;

    memset(&out, 0, sizeof(out));
    snprintf(out.phone, sizeof(out.phone), "%s", job->phone);
    if (sent) {
        out.pending = 1;
        snprintf(
            out.o.text, sizeof(out.o.text),
            service_tr(svc,
                       "A code was sent to %s: enter it to prove the number is "
                       "yours."),
            SERVICE_PHONE_SHOWN(job->phone));
    } else {
        if (store_verify_claim_drop(service_store(svc), job->bare, job->phone,
                                    job->hash) < 0)
            log_error(service_log(svc), "dropping the claim of %s: %s",
                      job->bare, store_errmsg(service_store(svc)));
        service_outcome_fail(
            &out.o, ERR_WAIT, "service-unavailable",
            service_tr(svc,
                       "the code could not be sent to %s; try again later"),
            SERVICE_PHONE_SHOWN(job->phone));
    }
    job->done(svc, job->req, job->bare, &out);
    xmpp_stanza_release(job->req);
    job->req = NULL;
}

/* Collects the program if it ended; answers once it did or timed out.
 * Returns 1 when the job is over (reaped and answered). */
static int job_poll(struct service *svc, struct verify_job *job)
{
    int status;
    pid_t r = waitpid(job->pid, &status, WNOHANG);

    if (r == job->pid) {
        job->pid = 0;
        job_read(svc, job);
        if (job->killed)
            log_debug(service_log(svc), "code sender for %s reaped",
                      job->phone);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            log_info(service_log(svc), "code sent to %s", job->phone);
        else if (WIFEXITED(status))
            log_warn(service_log(svc),
                     "code sender for %s failed: exit status %d", job->phone,
                     WEXITSTATUS(status));
        else
            log_warn(service_log(svc), "code sender for %s killed by %s",
                     job->phone, strsignal(WTERMSIG(status)));
        if (job->req)
            job_answer(svc, job, WIFEXITED(status) && WEXITSTATUS(status) == 0);
    } else if (r < 0 && errno != EINTR) {
        log_error(service_log(svc), "waiting for the code sender: %s",
                  strerror(errno));
        job->pid = 0;
        if (job->req)
            job_answer(svc, job, 0);
    } else if (!job->killed && service_now_ms(svc) >= job->deadline) {
        log_warn(service_log(svc),
                 "code sender for %s killed: it ran past "
                 "command_timeout",
                 job->phone);
        kill(-job->pid, SIGKILL); /* its whole process group */
        job->killed = 1;
        job_answer(svc, job, 0);
    }
    if (job->pid)
        job_read(svc, job);
    return job->pid == 0;
}

/* posix_spawn attributes: a process group of its own (so a timeout kills
 * what it started too), no signal blocked or ignored as cardxd has them. */
static int spawn_attr(posix_spawnattr_t *attr)
{
    sigset_t none, dflt;

    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    if (posix_spawnattr_init(attr))
        return -1;
    if (posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
                                           POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF) ||
        posix_spawnattr_setpgroup(attr, 0) ||
        posix_spawnattr_setsigmask(attr, &none) ||
        posix_spawnattr_setsigdefault(attr, &dflt)) {
        posix_spawnattr_destroy(attr);
        return -1;
    }
    return 0;
}

/* Starts COMMAND NUMBER CODE with stdin from /dev/null and stdout and
 * stderr into job->fd. Returns 0 or errno. */
static int job_spawn(const struct service *svc, struct verify_job *job,
                     const char *code)
{
    const char *cmd = service_config(svc)->verify_command;
    char *argv[] = {(char *)cmd, job->phone, (char *)code, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int p[2], rc;

    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return errno;
    if (spawn_attr(&attr) < 0) {
        rc = ENOMEM;
        goto out_pipe;
    }
    rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        goto out_attr;
    rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    if (!rc)
        rc = posix_spawn(&job->pid, cmd, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
out_attr:
    posix_spawnattr_destroy(&attr);
out_pipe:
    close(p[1]);
    if (rc)
        close(p[0]);
    else
        job->fd = p[0];
    return rc;
}

/* --- what registration asks --- */

/* Refuses a code past a daily cap, saying when one may be asked again. */
static void verify_capped(struct service *svc, struct register_outcome *out,
                          const char *phone, int64_t retry_at)
{
    char when[64];

    format_utc(svc, retry_at, when, sizeof(when));
    service_outcome_fail(
        &out->o, ERR_WAIT, "policy-violation",
        service_tr(svc,
                   "too many codes were asked for %s or by your account today; "
                   "ask again after %s"),
        SERVICE_PHONE_SHOWN(phone), when);
}

/* Issues a code and starts its program; 0 when it runs (the job is
 * listed), else out holds the refusal. */
static int verify_launch(struct service *svc, struct verify_job *job,
                         struct register_outcome *out)
{
    struct verify_limits lim = verify_limits(svc);
    char code[VERIFY_CODE_LEN];
    int64_t retry_at;
    int rc = verify_code_make(code);

    if (rc == 0)
        rc = verify_code_issue(service_store(svc), verify_state(svc)->key,
                               job->bare, job->phone, code, &lim,
                               clock_wall_ms(), &retry_at, job->hash);
    if (rc < 0) {
        log_error(service_log(svc), "issuing a code for %s: %s", job->bare,
                  rc == CX_EIO ? "no randomness or hash"
                               : store_errmsg(service_store(svc)));
        service_outcome_fail(&out->o, ERR_WAIT, "internal-server-error",
                             service_tr(svc, "no code could be made"));
        return -1;
    }
    if (retry_at) {
        log_info(service_log(svc), "code for %s to %s refused: daily cap",
                 job->phone, job->bare);
        verify_capped(svc, out, job->phone, retry_at);
        return -1;
    }
    rc = job_spawn(svc, job, code);
    explicit_bzero(code, sizeof(code));
    if (rc) {
        log_error(service_log(svc), "cannot run the code sender %s: %s",
                  service_config(svc)->verify_command, strerror(rc));
        store_verify_claim_drop(service_store(svc), job->bare, job->phone,
                                job->hash);
        service_outcome_fail(
            &out->o, ERR_WAIT, "service-unavailable",
            service_tr(svc,
                       "the code could not be sent to %s; try again later"),
            SERVICE_PHONE_SHOWN(job->phone));
        return -1;
    }
    log_info(service_log(svc), "sending a code to %s for %s", job->phone,
             job->bare);
    job->deadline =
        service_now_ms(svc) + service_config(svc)->verify_command_timeout_ms;
    job->next = verify_state(svc)->jobs;
    verify_state(svc)->jobs = job;
    verify_state(svc)->next_poll = service_now_ms(svc) + VERIFY_POLL_MS;
    return 0;
}

void verify_send(struct service *svc, xmpp_stanza_t *req, const char *bare,
                 const char *phone, register_done_fn done)
{
    struct verify_job *job = calloc(1, sizeof(*job));
    struct register_outcome out;

    memset(&out, 0, sizeof(out));
    snprintf(out.phone, sizeof(out.phone), "%s", phone);
    if (!job || !(job->bare = strdup(bare)) ||
        !(job->req = xmpp_stanza_copy(req))) {
        service_outcome_fail(&out.o, ERR_WAIT, "internal-server-error",
                             service_tr(svc, "out of memory"));
    } else {
        job->fd = -1;
        job->done = done;
        snprintf(job->phone, sizeof(job->phone), "%s", phone);
        if (verify_launch(svc, job, &out) == 0)
            return;
    }
    if (job)
        job_free(job);
    done(svc, req, bare, &out);
}

/* Makes the proven number bare's. */
static void verify_take(struct service *svc, const char *bare,
                        const char *phone, struct register_outcome *out)
{
    struct store *st = service_store(svc);
    int64_t now = (int64_t)time(NULL);
    int rc = store_user_register(st, phone, bare, now);

    /* Other accounts' claims stay: proving them says the number is
     * taken. */
    if (rc == 0)
        rc = store_user_prove(st, bare, now);
    if (rc == STORE_ECONFLICT) {
        service_outcome_fail(
            &out->o, ERR_CANCEL, "conflict",
            service_tr(
                svc, "the number %s is already registered to another account"),
            SERVICE_PHONE_SHOWN(phone));
    } else if (rc < 0) {
        service_outcome_store(svc, &out->o, "registering a number");
    } else {
        log_info(service_log(svc), "%s proved %s and registered it", bare,
                 phone);
        snprintf(
            out->o.text, sizeof(out->o.text),
            service_tr(
                svc,
                "Your phone number is now %s: others can send you business "
                "cards by it."),
            SERVICE_PHONE_SHOWN(phone));
        /* Cards held for the number are bare's now ([privacy]); a user
         * proving it is online, so they need not wait for a presence. */
        deliver_flush(svc, bare);
    }
}

void verify_prove(struct service *svc, const char *bare, const char *number,
                  const char *code, struct register_outcome *out)
{
    struct verify_limits lim = verify_limits(svc);
    enum verify_check res;
    char phone[sizeof(out->phone)];
    int rc;

    /* number may be out->phone itself. */
    snprintf(phone, sizeof(phone), "%s", number);
    memset(out, 0, sizeof(*out));
    snprintf(out->phone, sizeof(out->phone), "%s", phone);
    rc = verify_code_check(service_store(svc), verify_state(svc)->key, bare,
                           phone, code, &lim, clock_wall_ms(), &res);
    if (rc < 0) {
        service_outcome_store(svc, &out->o, "checking a code");
        return;
    }
    switch (res) {
    case VERIFY_PROVEN:
        verify_take(svc, bare, phone, out);
        return;
    case VERIFY_WRONG:
        out->retry = 1;
        service_outcome_fail(&out->o, ERR_AUTH, "not-authorized",
                             service_tr(svc, "wrong code for %s; try again"),
                             SERVICE_PHONE_SHOWN(phone));
        break;
    case VERIFY_EXHAUSTED:
        service_outcome_fail(
            &out->o, ERR_AUTH, "not-authorized",
            service_tr(svc, "wrong code for %s too many times: this code is no "
                            "longer valid; ask for a new one"),
            SERVICE_PHONE_SHOWN(phone));
        break;
    case VERIFY_EXPIRED:
        service_outcome_fail(
            &out->o, ERR_AUTH, "not-authorized",
            service_tr(svc, "the code for %s expired; ask for a new one"),
            SERVICE_PHONE_SHOWN(phone));
        break;
    case VERIFY_NO_CLAIM:
        service_outcome_fail(
            &out->o, ERR_AUTH, "not-authorized",
            service_tr(svc,
                       "no code waits for %s from your account; ask for one "
                       "first"),
            SERVICE_PHONE_SHOWN(phone));
        break;
    }
    log_info(service_log(svc), "code of %s for %s refused: %s", bare, phone,
             out->o.text);
}

char *verify_pending(struct service *svc, const char *bare)
{
    char *phone = NULL;
    int rc = store_verify_claim_latest(service_store(svc), bare,
                                       clock_wall_ms(), &phone);

    if (rc < 0 && rc != STORE_ENOTFOUND)
        log_error(service_log(svc), "looking up the claims of %s: %s", bare,
                  store_errmsg(service_store(svc)));
    return phone;
}

/* --- the feature --- */

static int verify_init(struct service *svc, void **state)
{
    struct verify *v = calloc(1, sizeof(*v));
    int rc;

    *state = v;
    if (!v)
        return CX_ENOMEM;
    if (!verify_required(svc)) {
        log_warn(service_log(svc),
                 "[verify] method = none: anyone may claim any phone number "
                 "without proof and receive the cards sent to it");
        return 0;
    }
    rc = verify_code_key(service_store(svc), v->key);
    if (rc < 0)
        log_error(service_log(svc), "cannot read the key of codes: %s",
                  rc == CX_EIO ? "no randomness"
                               : store_errmsg(service_store(svc)));
    return rc;
}

/* Stops the programs still running; their requests go unanswered, as the
 * link goes too. */
static void verify_free(struct service *svc, void *state)
{
    struct verify *v = state;

    (void)svc;
    while (v && v->jobs) {
        struct verify_job *job = v->jobs;

        v->jobs = job->next;
        if (job->pid) {
            kill(-job->pid, SIGKILL);
            while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        job_free(job);
    }
    free(v);
}

static int verify_timeout(struct service *svc)
{
    struct verify *v = verify_state(svc);
    int64_t left = v->next_poll - service_now_ms(svc);

    if (!v->jobs)
        return -1;
    return left > 0 ? (int)left : 0;
}

static void verify_tick(struct service *svc)
{
    struct verify *v = verify_state(svc);
    struct verify_job **pp = &v->jobs;

    if (!v->jobs || service_now_ms(svc) < v->next_poll)
        return;
    v->next_poll = service_now_ms(svc) + VERIFY_POLL_MS;
    while (*pp) {
        struct verify_job *job = *pp;

        if (job_poll(svc, job)) {
            *pp = job->next;
            job_free(job);
        } else {
            pp = &job->next;
        }
    }
}

const struct feature feature_verify = {
    .name = "proof of number ownership",
    .init = verify_init,
    .free = verify_free,
    .timeout = verify_timeout,
    .tick = verify_tick,
};
