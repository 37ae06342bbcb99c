/* Fills a cardxd database through the store API, in large transactions. */
#include "bench/prefill.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bench/benchutil.h"
#include "component/db.h"
#include "component/store.h"

/* Rows per transaction: big enough that commits do not dominate. */
#define PREFILL_BATCH 20000

void prefill_phone(char *buf, size_t len, int recipient, long i)
{
    /* +86 138/139 xxxx xxxx: valid Chinese mobile numbers. */
    snprintf(buf, len, "+86%s%08ld", recipient ? "139" : "138", i);
}

char *prefill_vcard(long i)
{
    char phone[32], *xml = NULL;

    prefill_phone(phone, sizeof(phone), 0, i);
    if (asprintf(&xml,
                 "<vCard xmlns=\"vcard-temp\"><FN>Sender %ld Benchmark</FN>"
                 "<N><FAMILY>Benchmark</FAMILY><GIVEN>Sender %ld</GIVEN></N>"
                 "<ORG><ORGNAME>Changhong Bench Ltd</ORGNAME>"
                 "<ORGUNIT>Load testing</ORGUNIT></ORG>"
                 "<TITLE>Senior load engineer</TITLE>"
                 "<TEL><WORK/><VOICE/><NUMBER>%s</NUMBER></TEL>"
                 "<EMAIL><INTERNET/><USERID>sender%ld@example.com</USERID>"
                 "</EMAIL><ADR><WORK/><STREET>35 Mianxing Road</STREET>"
                 "<LOCALITY>Mianyang</LOCALITY><CTRY>China</CTRY></ADR>"
                 "<URL>https://example.com/people/sender%ld</URL></vCard>",
                 i, i, phone, i, i) < 0)
        return NULL;
    return xml;
}

/* Commits every PREFILL_BATCH rows and opens the next transaction. */
static int prefill_tick(struct store *st, long *rows)
{
    if (++*rows % PREFILL_BATCH != 0)
        return 0;
    if (store_commit(st) < 0 || store_begin(st) < 0)
        return -1;
    return 0;
}

static int prefill_users(struct store *st, const struct prefill_spec *sp,
                         long *rows)
{
    char phone[32], jid[128];
    int64_t now = (int64_t)time(NULL);

    for (long i = 0; i < sp->senders; i++) {
        char *card = prefill_vcard(i);
        int rc;

        prefill_phone(phone, sizeof(phone), 0, i);
        snprintf(jid, sizeof(jid), "s%ld@%s", i, sp->domain);
        rc = card ? store_user_register(st, phone, jid, now) : -1;
        if (rc == 0)
            rc = store_card_set(st, jid, card, now);
        free(card);
        if (rc < 0 || prefill_tick(st, rows) < 0)
            return -1;
    }
    for (long i = 0; i < sp->recipients; i++) {
        prefill_phone(phone, sizeof(phone), 1, i);
        snprintf(jid, sizeof(jid), "r%ld@%s", i, sp->domain);
        if (store_user_register(st, phone, jid, now) < 0 ||
            prefill_tick(st, rows) < 0)
            return -1;
    }
    return 0;
}

/* A card id as cardxd makes them ("card-" and 32 hex digits), from a
 * xorshift generator seeded once: getrandom() per card would dominate. */
static void prefill_card_id(uint64_t *state, char *buf, size_t len)
{
    uint64_t a, b;

    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    a = *state;
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    b = *state;
    snprintf(buf, len, "card-%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}

static int prefill_cards(struct store *st, const struct prefill_spec *sp,
                         char **vcards, long *rows)
{
    long total = sp->cards_first + sp->cards_spread;
    uint64_t seed = 0;
    char id[64], rjid[128], sjid[128], phone[32], note[64];

    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        return -1;
    seed |= 1;
    for (long k = 0; k < total; k++) {
        long s = k % sp->senders;
        long r = k < sp->cards_first
                     ? 0
                     : 1 + (k - sp->cards_first) % (sp->recipients - 1);
        struct store_inbox_item item = {0};

        prefill_card_id(&seed, id, sizeof(id));
        prefill_phone(phone, sizeof(phone), 0, s);
        snprintf(rjid, sizeof(rjid), "r%ld@%s", r, sp->domain);
        /* A recipient holds one card per sender: each card has a sender
         * JID of its own, with the card and number of sender s. */
        snprintf(sjid, sizeof(sjid), "s%ld.%ld@%s", s, k, sp->domain);
        snprintf(note, sizeof(note), "prefilled card %ld", k);
        item.card_id = id;
        item.recipient_jid = rjid;
        item.sender_phone = phone;
        item.sender_jid = sjid;
        item.vcard = vcards[s];
        item.note = note;
        item.created = (int64_t)time(NULL);
        if (store_inbox_push(st, &item) < 0 || prefill_tick(st, rows) < 0)
            return -1;
    }
    return 0;
}

int prefill_db(const char *path, const struct prefill_spec *spec,
               double *seconds)
{
    const struct db_driver *drv = &db_sqlite;
    struct store *st = NULL;
    char **vcards = calloc((size_t)spec->senders, sizeof(*vcards));
    char *err = NULL;
    long rows = 0;
    int64_t t0 = bench_now_ns();
    int rc = -1;

    if (!vcards || spec->senders < 1 ||
        (spec->cards_first > 0 && spec->recipients < 1) ||
        (spec->cards_spread > 0 && spec->recipients < 2)) {
        fprintf(stderr, "prefill: inconsistent spec\n");
        goto out;
    }
    for (long i = 0; i < spec->senders; i++) {
        if (!(vcards[i] = prefill_vcard(i)))
            goto out;
    }
    if (spec->driver && strcmp(spec->driver, "sqlite") != 0) {
        drv = db_driver_find(spec->driver);
        path = spec->dsn ? spec->dsn : "";
    }
    if (!drv) {
        fprintf(stderr, "prefill: no driver %s in this build\n", spec->driver);
        goto out;
    }
    if (store_open_driver(drv, path, "normal", &st, &err) < 0) {
        fprintf(stderr, "prefill: %s: %s\n", path, err ? err : "?");
        goto out;
    }
    if (store_begin(st) < 0 || prefill_users(st, spec, &rows) < 0 ||
        prefill_cards(st, spec, vcards, &rows) < 0 || store_commit(st) < 0) {
        fprintf(stderr, "prefill: %s: %s\n", path, store_errmsg(st));
        goto out;
    }
    *seconds = (double)(bench_now_ns() - t0) / 1e9;
    rc = 0;
out:
    store_free(st);
    free(err);
    for (long i = 0; vcards && i < spec->senders; i++)
        free(vcards[i]);
    free(vcards);
    return rc;
}
