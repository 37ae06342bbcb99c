/* Unit tests for cardx's local card store, each on a fresh database file
 * under a temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "client/cardstore.h"
#include "sql/migrations.h"
#include "tests/lib/runner.h"
#include "tests/lib/tmpdb.h"

#define MAX_SEEN 16

static struct cardstore *db_open(const struct tmpdb *d)
{
    struct cardstore *cs = NULL;
    char *err = NULL;
    int rc = cardstore_open(d->path, &cs, &err);

    ck_assert_msg(rc == 0, "cardstore_open: %d %s", rc, err ? err : "");
    ck_assert_ptr_null(err);
    ck_assert_ptr_nonnull(cs);
    return cs;
}

/* A received card; strings are literals, not owned. */
static struct cardstore_card inbox_card(const char *card_id, const char *name,
                                        const char *phone, int64_t received)
{
    struct cardstore_card c = {0};

    c.card_id = (char *)card_id;
    c.sender_phone = "+14155550100";
    c.note = "met at the fair";
    c.received = received;
    c.f.name = (char *)name;
    c.f.phone = (char *)phone;
    return c;
}

/* What a visitor saw: the ids in order, and when to stop. */
struct seen {
    int64_t id[MAX_SEEN];
    size_t n;
    size_t stop_after; /* 0: never */
};

static int record(void *ud, const struct cardstore_card *c)
{
    struct seen *s = ud;

    ck_assert_uint_lt(s->n, MAX_SEEN);
    s->id[s->n++] = c->id;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

/* The ids a search finds, best first; *n their count. */
static struct seen search(struct cardstore *cs, const char *text)
{
    struct seen s = {0};
    int rc = cardstore_contact_search(cs, text, 0, record, &s, NULL);

    ck_assert_msg(rc == 0, "search \"%s\": %d %s", text, rc,
                  cardstore_errmsg(cs));
    return s;
}

/* Asserts that searching text finds exactly the one contact id. */
static void finds_one(struct cardstore *cs, const char *text, int64_t id)
{
    struct seen s = search(cs, text);

    ck_assert_msg(s.n == 1 && s.id[0] == id,
                  "search \"%s\": %zu results, first %lld, wanted %lld", text,
                  s.n, s.n ? (long long)s.id[0] : -1LL, (long long)id);
}

static void finds_none(struct cardstore *cs, const char *text)
{
    struct seen s = search(cs, text);

    ck_assert_msg(s.n == 0, "search \"%s\": %zu results, wanted none", text,
                  s.n);
}

static int64_t add_contact(struct cardstore *cs, const struct vcard_fields *f,
                           const char *xml)
{
    struct cardstore_card c = {0};
    int64_t id = 0;

    c.f = *f;
    c.vcard_xml = (char *)xml;
    ck_assert_int_eq(cardstore_contact_add(cs, &c, &id), 0);
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t contact_count(struct cardstore *cs)
{
    struct seen s = {0};

    ck_assert_int_eq(cardstore_contact_list(cs, record, &s), 0);
    return (int64_t)s.n;
}

static int64_t inbox_count(struct cardstore *cs)
{
    int64_t n = -1;

    ck_assert_int_eq(cardstore_inbox_count(cs, &n), 0);
    return n;
}

/* The fields vcard_parse reads out of xml. */
static void parse_xml(const char *xml, struct vcard_fields *out)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *v;

    ck_assert_ptr_nonnull(ctx);
    ck_assert_ptr_nonnull(xml);
    v = vcard_from_text(ctx, xml);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(vcard_parse(v, out), 0);
    xmpp_stanza_release(v);
    xmpp_ctx_free(ctx);
}

START_TEST(migrations_applied)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct cardstore_card c = inbox_card("c1", "Ann", NULL, 100);

    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_inbox_add(cs, &c, NULL), 1);
    cardstore_free(cs);
    ck_assert_uint_gt(client_migrations_count, 0);
    ck_assert_int_eq(tmpdb_int(&d, "PRAGMA user_version"),
                     (int64_t)client_migrations_count);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name IN ('inbox', 'seen', 'contacts', "
                                   "'self', 'contacts_fts')"),
                     5);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT journal_mode = 'wal' "
                                   "FROM pragma_journal_mode"),
                     1);

    /* Reopening applies nothing twice and keeps the data. */
    cs = db_open(&d);
    ck_assert_int_eq(inbox_count(cs), 1);
    cardstore_free(cs);
    cardstore_free(NULL);
    ck_assert_int_eq(tmpdb_int(&d, "PRAGMA user_version"),
                     (int64_t)client_migrations_count);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(newer_schema_refused)
{
    struct tmpdb d;
    struct cardstore *cs = (struct cardstore *)&d; /* must be reset */
    char *err = NULL;
    char sql[64];

    tmpdb_init(&d);
    cardstore_free(db_open(&d));
    snprintf(sql, sizeof sql, "PRAGMA user_version = %zu",
             client_migrations_count + 1);
    tmpdb_exec(&d, sql);
    ck_assert_int_eq(cardstore_open(d.path, &cs, &err), CARDSTORE_EDB);
    ck_assert_ptr_null(cs);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "newer") != NULL, "unclear error: %s", err);
    free(err);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(open_bad_path)
{
    struct cardstore *cs = NULL;
    char *err = NULL;

    ck_assert_int_eq(
        cardstore_open("/nonexistent-dir/cardx/cardx.db", &cs, &err),
        CARDSTORE_EDB);
    ck_assert_ptr_null(cs);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/cardx/cardx.db"));
    free(err);
}
END_TEST

START_TEST(inbox_add_list_get_delete)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct cardstore_card a = inbox_card("c1", "Ann", "+8613800138000", 300);
    struct cardstore_card b = inbox_card("c2", "Bob", NULL, 100);
    struct cardstore_card c = inbox_card("c3", "Cy", NULL, 300);
    struct cardstore_card *got = NULL;
    struct seen s = {0};
    int64_t ia = 0, ib = 0, ic = 0;
    time_t before = time(NULL);

    a.f.email = "ann@example.com";
    a.f.note = "card note";
    a.vcard_xml = "<vCard xmlns='vcard-temp'><FN>Ann</FN></vCard>";
    a.extra = "BDAY:1990-01-01";
    c.received = 0; /* means now */
    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(inbox_count(cs), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &ia), 1);
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, &ib), 1);
    ck_assert_int_eq(cardstore_inbox_add(cs, &c, &ic), 1);
    ck_assert_int_eq(inbox_count(cs), 3);

    /* Oldest first, then in arrival order. */
    ck_assert_int_eq(cardstore_inbox_list(cs, record, &s), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(s.id[0], ib);
    ck_assert_int_eq(s.id[1], ia);
    ck_assert_int_eq(s.id[2], ic);

    ck_assert_int_eq(cardstore_inbox_get(cs, ia, &got), 0);
    ck_assert_int_eq(got->id, ia);
    ck_assert_str_eq(got->card_id, "c1");
    ck_assert_str_eq(got->sender_phone, "+14155550100");
    ck_assert_str_eq(got->note, "met at the fair");
    ck_assert_int_eq(got->received, 300);
    ck_assert_str_eq(got->f.name, "Ann");
    ck_assert_str_eq(got->f.phone, "+8613800138000");
    ck_assert_str_eq(got->f.email, "ann@example.com");
    ck_assert_str_eq(got->f.note, "card note");
    ck_assert_ptr_null(got->f.org);
    ck_assert_str_eq(got->vcard_xml, a.vcard_xml);
    ck_assert_str_eq(got->extra, "BDAY:1990-01-01");
    cardstore_card_free(got);
    cardstore_card_free(NULL);

    ck_assert_int_eq(cardstore_inbox_get(cs, ic, &got), 0);
    ck_assert_int_ge(got->received, before);
    cardstore_card_free(got);

    ck_assert_int_eq(cardstore_inbox_delete(cs, ia), 0);
    ck_assert_int_eq(cardstore_inbox_get(cs, ia, &got), CARDSTORE_ENOTFOUND);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(cardstore_inbox_delete(cs, ia), CARDSTORE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(cardstore_errmsg(cs), "no such card"));
    ck_assert_int_eq(inbox_count(cs), 2);

    /* A visitor stops the walk; its value comes back. */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    ck_assert_int_eq(cardstore_inbox_list(cs, record, &s), 7);
    ck_assert_uint_eq(s.n, 1);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(inbox_duplicates_stored_once)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct cardstore_card a = inbox_card("dup-1", "Ann", "+15550001", 100);
    struct cardstore_card b = inbox_card("dup-2", "Bob", "+15550002", 100);
    struct cardstore_card anon = inbox_card(NULL, "Anon", NULL, 100);
    int64_t id = 0, other = 0, contact = 0;

    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);
    other = id;
    id = 0;
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 0);
    ck_assert_int_eq(id, 0);
    ck_assert_int_eq(inbox_count(cs), 1);

    /* Deleted, then delivered again: still seen. */
    ck_assert_int_eq(cardstore_inbox_delete(cs, other), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, NULL), 0);
    ck_assert_int_eq(inbox_count(cs), 0);

    /* Saved, then delivered again: still seen. */
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, &id), 1);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, NULL), 0);
    ck_assert_int_eq(inbox_count(cs), 0);
    ck_assert_int_eq(contact_count(cs), 1);

    /* Without a card_id nothing can be recognised: always added. */
    ck_assert_int_eq(cardstore_inbox_add(cs, &anon, NULL), 1);
    ck_assert_int_eq(cardstore_inbox_add(cs, &anon, NULL), 1);
    ck_assert_int_eq(inbox_count(cs), 2);
    cardstore_free(cs);

    /* Still seen after reopening. */
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, NULL), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, NULL), 0);
    ck_assert_int_eq(inbox_count(cs), 2);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(save_as_new_contact)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct cardstore_card a =
        inbox_card("n-1", "Ann Lee", "+8613800138000", 100);
    struct cardstore_card *got = NULL;
    int64_t id = 0, contact = 0;
    time_t before = time(NULL);

    a.f.org = "Acme";
    a.f.note = "card note";
    a.vcard_xml = "<vCard xmlns='vcard-temp'><FN>Ann Lee</FN>"
                  "<BDAY>1990-01-01</BDAY></vCard>";
    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_inbox_save(cs, 42, CARDSTORE_MERGE_ASK, NULL),
                     CARDSTORE_ENOTFOUND);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact), 0);
    ck_assert_int_gt(contact, 0);
    ck_assert_int_eq(inbox_count(cs), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, contact, &got), 0);
    ck_assert_int_eq(got->id, contact);
    ck_assert_ptr_null(got->card_id);
    ck_assert_ptr_null(got->sender_phone);
    ck_assert_str_eq(got->f.name, "Ann Lee");
    ck_assert_str_eq(got->f.phone, "+8613800138000");
    ck_assert_str_eq(got->f.org, "Acme");
    ck_assert_str_eq(got->f.note, "card note");
    ck_assert_str_eq(got->vcard_xml, a.vcard_xml);
    ck_assert_int_ge(got->received, before);
    ck_assert_int_ge(got->updated, before);
    cardstore_card_free(got);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT phone_digits = '8613800138000' "
                                   "FROM contacts"),
                     1);
    finds_one(cs, "ann", contact);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(save_ask_when_phone_exists)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Old Ann",
                             .phone = "+86 138-0013-8000",
                             .email = "old@example.com"};
    struct cardstore_card a =
        inbox_card("a-1", "New Ann", "+8613800138000", 100);
    struct cardstore_card *got = NULL;
    int64_t id = 0, existing, contact = 0;

    tmpdb_init(&d);
    cs = db_open(&d);
    existing = add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact),
        CARDSTORE_EEXISTS);
    ck_assert_int_eq(contact, existing);
    ck_assert_ptr_nonnull(strstr(cardstore_errmsg(cs), "number"));

    /* Nothing changed. */
    ck_assert_int_eq(inbox_count(cs), 1);
    ck_assert_int_eq(contact_count(cs), 1);
    ck_assert_int_eq(cardstore_inbox_get(cs, id, &got), 0);
    ck_assert_str_eq(got->f.name, "New Ann");
    cardstore_card_free(got);
    ck_assert_int_eq(cardstore_contact_get(cs, existing, &got), 0);
    ck_assert_str_eq(got->f.name, "Old Ann");
    cardstore_card_free(got);

    /* Keeping both makes a second contact. */
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_NEW, &contact), 0);
    ck_assert_int_ne(contact, existing);
    ck_assert_int_eq(contact_count(cs), 2);
    ck_assert_int_eq(inbox_count(cs), 0);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(save_merge_into)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Former Ann",
                             .phone = "+8613800138000",
                             .email = "old@example.com",
                             .title = "Engineer"};
    struct vcard_fields parsed = {0};
    struct cardstore_card a =
        inbox_card("m-1", "New Ann", "+8613800138000", 100);
    struct cardstore_card *got = NULL;
    int64_t id = 0, existing, contact = 0;

    a.f.org = "Acme";
    a.vcard_xml = "<vCard xmlns='vcard-temp'><FN>New Ann</FN>"
                  "<ORG><ORGNAME>Acme</ORGNAME></ORG></vCard>";
    tmpdb_init(&d);
    cs = db_open(&d);
    existing = add_contact(cs, &f,
                           "<vCard xmlns='vcard-temp'><FN>Former Ann</FN>"
                           "<TEL><CELL/><NUMBER>+8613800138000</NUMBER></TEL>"
                           "<EMAIL><INTERNET/><USERID>old@example.com</USERID>"
                           "</EMAIL><TITLE>Engineer</TITLE>"
                           "<BDAY>1980-02-03</BDAY></vCard>");
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_INTO, &contact), 0);
    ck_assert_int_eq(contact, existing);
    ck_assert_int_eq(inbox_count(cs), 0);
    ck_assert_int_eq(contact_count(cs), 1);

    ck_assert_int_eq(cardstore_contact_get(cs, existing, &got), 0);
    ck_assert_str_eq(got->f.name, "New Ann");          /* overwritten */
    ck_assert_str_eq(got->f.org, "Acme");              /* filled */
    ck_assert_str_eq(got->f.email, "old@example.com"); /* kept */
    ck_assert_str_eq(got->f.title, "Engineer");
    /* The contact's own vCard stays the base: its BDAY survives, and it
     * now says what the fields say. */
    ck_assert_ptr_nonnull(strstr(got->vcard_xml, "1980-02-03"));
    parse_xml(got->vcard_xml, &parsed);
    ck_assert_str_eq(parsed.name, "New Ann");
    ck_assert_str_eq(parsed.org, "Acme");
    ck_assert_str_eq(parsed.email, "old@example.com");
    vcard_fields_clear(&parsed);
    cardstore_card_free(got);

    finds_one(cs, "acme", existing);
    finds_none(cs, "former");
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

/* A contact without vcard_xml takes the card's, brought in line with the
 * merged fields. */
START_TEST(merge_takes_card_xml)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {
        .name = "Bo", .phone = "+15550001", .email = "bo@example.com"};
    struct vcard_fields parsed = {0};
    struct cardstore_card b = inbox_card("m-2", NULL, "+1 555 0001", 100);
    struct cardstore_card *got = NULL;
    int64_t id = 0, existing, contact = 0;

    b.f.org = "Initech";
    b.vcard_xml = "<vCard xmlns='vcard-temp'>"
                  "<TEL><CELL/><NUMBER>+1 555 0001</NUMBER></TEL>"
                  "<ORG><ORGNAME>Initech</ORGNAME></ORG>"
                  "<X-SHOE>42</X-SHOE></vCard>";
    tmpdb_init(&d);
    cs = db_open(&d);
    existing = add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, &id), 1);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_INTO, &contact), 0);
    ck_assert_int_eq(contact, existing);
    ck_assert_int_eq(cardstore_contact_get(cs, existing, &got), 0);
    ck_assert_str_eq(got->f.name, "Bo");
    ck_assert_str_eq(got->f.phone, "+1 555 0001");
    ck_assert_str_eq(got->f.org, "Initech");
    ck_assert_ptr_nonnull(got->vcard_xml);
    ck_assert_ptr_nonnull(strstr(got->vcard_xml, "X-SHOE"));
    parse_xml(got->vcard_xml, &parsed);
    ck_assert_str_eq(parsed.name, "Bo");
    ck_assert_str_eq(parsed.email, "bo@example.com");
    ck_assert_str_eq(parsed.org, "Initech");
    vcard_fields_clear(&parsed);
    cardstore_card_free(got);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(contact_add_get_set_delete)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Cy", .phone = "+15550003"};
    struct vcard_fields parsed = {0};
    struct cardstore_card c = {0};
    struct cardstore_card *got = NULL;
    int64_t id, plain, found = 0;

    tmpdb_init(&d);
    cs = db_open(&d);
    id = add_contact(cs, &f,
                     "<vCard xmlns='vcard-temp'><FN>Cy</FN>"
                     "<TEL><CELL/><NUMBER>+15550003</NUMBER></TEL>"
                     "<BDAY>1970-01-01</BDAY></vCard>");

    /* Timestamps given are kept. */
    c.f.name = "Dee";
    c.received = 1000;
    c.updated = 2000;
    ck_assert_int_eq(cardstore_contact_add(cs, &c, &plain), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, plain, &got), 0);
    ck_assert_int_eq(got->received, 1000);
    ck_assert_int_eq(got->updated, 2000);
    ck_assert_ptr_null(got->vcard_xml);
    cardstore_card_free(got);

    ck_assert_int_eq(cardstore_contact_set(cs, id, "org", "Globex"), 0);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "phone", "+1 555 0004"), 0);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "note", "likes tea"), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, id, &got), 0);
    ck_assert_str_eq(got->f.org, "Globex");
    ck_assert_str_eq(got->f.phone, "+1 555 0004");
    ck_assert_str_eq(got->f.note, "likes tea");
    ck_assert_int_gt(got->updated, 2000);
    /* vcard_xml follows the fields and keeps the rest. */
    ck_assert_ptr_nonnull(strstr(got->vcard_xml, "1970-01-01"));
    parse_xml(got->vcard_xml, &parsed);
    ck_assert_str_eq(parsed.org, "Globex");
    ck_assert_str_eq(parsed.phone, "+1 555 0004");
    ck_assert_str_eq(parsed.note, "likes tea");
    vcard_fields_clear(&parsed);
    cardstore_card_free(got);

    /* The number's digits moved too. */
    ck_assert_int_eq(cardstore_contact_by_phone(cs, "+15550004", &found), 0);
    ck_assert_int_eq(found, id);
    ck_assert_int_eq(cardstore_contact_by_phone(cs, "+15550003", &found),
                     CARDSTORE_ENOTFOUND);
    ck_assert_int_eq(cardstore_contact_by_phone(cs, NULL, &found),
                     CARDSTORE_EINVAL);

    /* "" and NULL clear. */
    ck_assert_int_eq(cardstore_contact_set(cs, id, "org", ""), 0);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "note", NULL), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, id, &got), 0);
    ck_assert_ptr_null(got->f.org);
    ck_assert_ptr_null(got->f.note);
    parse_xml(got->vcard_xml, &parsed);
    ck_assert_ptr_null(parsed.org);
    vcard_fields_clear(&parsed);
    cardstore_card_free(got);

    ck_assert_int_eq(cardstore_contact_set(cs, id, "nickname", "C"),
                     CARDSTORE_EINVAL);
    ck_assert_int_eq(cardstore_contact_set(cs, id, NULL, "C"),
                     CARDSTORE_EINVAL);
    ck_assert_int_eq(cardstore_contact_set(cs, 999, "name", "C"),
                     CARDSTORE_ENOTFOUND);
    /* A contact without vcard_xml stays without. */
    ck_assert_int_eq(cardstore_contact_set(cs, plain, "email", "d@x.org"), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, plain, &got), 0);
    ck_assert_str_eq(got->f.email, "d@x.org");
    ck_assert_ptr_null(got->vcard_xml);
    cardstore_card_free(got);

    ck_assert_int_eq(cardstore_contact_delete(cs, id), 0);
    ck_assert_int_eq(cardstore_contact_get(cs, id, &got), CARDSTORE_ENOTFOUND);
    ck_assert_int_eq(cardstore_contact_delete(cs, id), CARDSTORE_ENOTFOUND);
    ck_assert_int_eq(contact_count(cs), 1);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(contact_list_order)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f[] = {
        {.name = "bob"},   {.name = "Alice"}, {.phone = "+15550009"},
        {.name = "carol"}, {.name = "alice"},
    };
    int64_t id[5];
    struct seen s = {0};
    size_t i;

    tmpdb_init(&d);
    cs = db_open(&d);
    for (i = 0; i < 5; i++)
        id[i] = add_contact(cs, &f[i], NULL);
    ck_assert_int_eq(cardstore_contact_list(cs, record, &s), 0);
    ck_assert_uint_eq(s.n, 5);
    ck_assert_int_eq(s.id[0], id[1]); /* Alice */
    ck_assert_int_eq(s.id[1], id[4]); /* alice, added later */
    ck_assert_int_eq(s.id[2], id[0]); /* bob */
    ck_assert_int_eq(s.id[3], id[3]); /* carol */
    ck_assert_int_eq(s.id[4], id[2]); /* no name: last */
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

/* Deletes every contact it visits: a visitor may call the store. */
static int delete_visited(void *ud, const struct cardstore_card *c)
{
    struct cardstore *cs = ud;

    ck_assert_int_eq(cardstore_contact_delete(cs, c->id), 0);
    return 0;
}

START_TEST(visitor_calls_store)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Eve"};
    int i;

    tmpdb_init(&d);
    cs = db_open(&d);
    for (i = 0; i < 3; i++)
        add_contact(cs, &f, NULL);
    ck_assert_int_eq(
        cardstore_contact_search(cs, "eve", 0, delete_visited, cs, NULL), 0);
    ck_assert_int_eq(contact_count(cs), 0);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(search_fields)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields ann = {.name = "Ann Lee",
                               .phone = "+8613800138000",
                               .email = "ann.lee@example.com",
                               .org = "Acme Rockets",
                               .title = "Chief Engineer",
                               .address = "12 Harbour Road, Sydney",
                               .note = "plays the cello"};
    struct vcard_fields bob = {.name = "Bob Annan",
                               .phone = "+44 20 7946 0958",
                               .email = "bob@other.org",
                               .org = "José Café"};
    struct vcard_fields cy = {.name = "Cy Lee", .phone = "+15550008000"};
    struct seen s;
    int64_t ia, ib, ic;

    tmpdb_init(&d);
    cs = db_open(&d);
    ia = add_contact(cs, &ann, NULL);
    ib = add_contact(cs, &bob, NULL);
    ic = add_contact(cs, &cy, NULL);

    /* Prefixes of words, case-insensitively, every word required. */
    finds_one(cs, "ann lee", ia);
    finds_one(cs, "ANN LE", ia);
    finds_one(cs, "annan", ib);
    finds_one(cs, "example", ia);
    finds_one(cs, "ann.lee@example.com", ia);
    finds_one(cs, "rockets", ia);
    finds_one(cs, "chief", ia);
    finds_one(cs, "harbour sydney", ia);
    finds_one(cs, "cello", ia);
    finds_one(cs, "jose cafe", ib); /* diacritics do not matter */
    finds_none(cs, "zebra");
    finds_none(cs, "ann zebra");

    s = search(cs, "ann");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_int_ne(s.id[0], s.id[1]);
    ck_assert(s.id[0] == ia || s.id[1] == ia);
    ck_assert(s.id[0] == ib || s.id[1] == ib);
    s = search(cs, "lee");
    ck_assert_uint_eq(s.n, 2);

    /* A number in any format, whole or its national or trailing part. */
    finds_one(cs, "+86 138 0013 8000", ia);
    finds_one(cs, "+8613800138000", ia);
    finds_one(cs, "13800138000", ia);
    finds_one(cs, "0013800138000", ia);
    finds_one(cs, "008613800138000", ia);
    finds_one(cs, "+86 138-0013", ia);
    finds_one(cs, "(138) 0013-8000", ia);
    finds_one(cs, "020 7946 0958", ib);
    finds_one(cs, "79460958", ib);
    finds_one(cs, "0958", ib);
    finds_one(cs, "lee 138", ia);
    s = search(cs, "8000");
    ck_assert_uint_eq(s.n, 2);
    finds_none(cs, "+86 139");
    /* Numbers in an address still match as written. */
    finds_one(cs, "12 harbour", ia);
    (void)ic;
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

/* A hit in the name counts more than one in the note. */
START_TEST(search_ranks_name_first)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields in_note = {.name = "Bo Chen", .note = "tea lover"};
    struct vcard_fields in_name = {.name = "Tea Lover", .note = "bo chen"};
    struct seen s;
    int64_t a, b;

    tmpdb_init(&d);
    cs = db_open(&d);
    a = add_contact(cs, &in_note, NULL);
    b = add_contact(cs, &in_name, NULL);
    s = search(cs, "tea");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_int_eq(s.id[0], b);
    ck_assert_int_eq(s.id[1], a);
    s = search(cs, "chen");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_int_eq(s.id[0], a);
    ck_assert_int_eq(s.id[1], b);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(search_syntax_is_text)
{
    static const char *const nasty[] = {
        "\"",      "*",      "AND",      "(",        ")",
        "-",       ":",      "ann\"",    "\"ann",    "ann*",
        "ann AND", "OR ann", "NOT ann",  "name:ann", "ann -lee",
        "(ann",    "^ann",   "ann NEAR", "{name}",   "ann +",
        "\"\"\"",  "'",      "ann'",     "a\"b\"c",  "NEAR(ann lee)",
        "— ann",   "ann 。", "-- ann",   "ann )",    "() ann",
        "   ",     "",       "+",        "((((",     "ann:lee",
    };
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields ann = {.name = "Ann Lee", .phone = "+15550001"};
    struct vcard_fields andy = {.name = "Andy AND Co", .org = "OR NOT"};
    struct seen s;
    size_t i;
    int64_t ia, iand;

    tmpdb_init(&d);
    cs = db_open(&d);
    ia = add_contact(cs, &ann, NULL);
    iand = add_contact(cs, &andy, NULL);
    for (i = 0; i < sizeof nasty / sizeof nasty[0]; i++)
        s = search(cs, nasty[i]);

    /* Operators are words like any other. */
    finds_one(cs, "AND", iand);
    finds_one(cs, "and co", iand);
    finds_one(cs, "or not", iand);
    finds_none(cs, "name:ann"); /* no column filter: a phrase */
    finds_one(cs, "ann:lee", ia);
    finds_one(cs, "ann\"", ia);
    finds_one(cs, "(ann)", ia);
    finds_one(cs, "ann -", ia);
    finds_one(cs, "— ann", ia); /* a word without a token is ignored */
    finds_one(cs, "ann 。", ia);
    finds_none(cs, "");
    finds_none(cs, "  \"  ");
    /* Whatever bytes come, the query stays well-formed. */
    srand(7);
    for (i = 0; i < 300; i++) {
        static const char pick[] = " \"*()-+:^{}09aAnN";
        char text[24];
        size_t j;

        for (j = 0; j + 1 < sizeof text; j++)
            text[j] = rand() % 2 ? pick[rand() % (int)(sizeof pick - 1)]
                                 : (char)(1 + rand() % 255);
        text[j] = '\0';
        s = search(cs, text);
    }
    s = search(cs, "*");
    ck_assert_uint_eq(s.n, 0);
    {
        /* Hundreds of words, numbers among them, make one long AND. */
        static const char word[] = "ann (1) 555-0001 le \" ";
        char *text = malloc(400 * (sizeof word - 1) + 1);
        size_t k;

        ck_assert_ptr_nonnull(text);
        for (k = 0; k < 400; k++)
            memcpy(text + k * (sizeof word - 1), word, sizeof word - 1);
        text[400 * (sizeof word - 1)] = '\0';
        finds_one(cs, text, ia);
        free(text);
    }
    ck_assert_int_eq(cardstore_contact_search(cs, NULL, 0, record, &s, NULL),
                     CARDSTORE_EINVAL);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(search_follows_changes)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Gus Ng", .phone = "+15550100"};
    int64_t id;

    tmpdb_init(&d);
    cs = db_open(&d);
    id = add_contact(cs, &f, NULL);
    finds_one(cs, "gus", id);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "name", "Hal Ng"), 0);
    finds_none(cs, "gus");
    finds_one(cs, "hal", id);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "phone", "+15550199"), 0);
    finds_none(cs, "5550100");
    finds_one(cs, "5550199", id);
    ck_assert_int_eq(cardstore_contact_set(cs, id, "phone", NULL), 0);
    finds_none(cs, "5550199");
    ck_assert_int_eq(cardstore_contact_set(cs, id, "title", "Pilot"), 0);
    finds_one(cs, "pilot", id);
    ck_assert_int_eq(cardstore_contact_delete(cs, id), 0);
    finds_none(cs, "hal");
    finds_none(cs, "pilot");
    cardstore_free(cs);
    /* The index agrees with its content table. */
    tmpdb_exec(&d, "INSERT INTO contacts_fts (contacts_fts) "
                   "VALUES ('integrity-check')");
    tmpdb_remove(&d);
}
END_TEST

/* Chinese names are written without spaces: any part of one finds it,
 * one character or more, while Latin text keeps its word prefixes. */
START_TEST(search_cjk_any_part)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields zw = {
        .name = "张伟", .phone = "+8613800138000", .org = "长虹电器"};
    struct vcard_fields oy = {
        .name = "欧阳娜娜", .title = "设计师", .email = "Nana@Example.com"};
    struct vcard_fields wang = {.name = "王伟", .note = "张先生介绍"};
    struct vcard_fields ann = {.name = "Ann Lee", .org = "Acme"};
    struct seen s;
    int64_t izw, ioy, iwang, iann, total = -1;

    tmpdb_init(&d);
    cs = db_open(&d);
    izw = add_contact(cs, &zw, NULL);
    ioy = add_contact(cs, &oy, NULL);
    iwang = add_contact(cs, &wang, NULL);
    iann = add_contact(cs, &ann, NULL);

    /* One character: the name hit ranks before the note hit. */
    s = search(cs, "张");
    ck_assert_uint_eq(s.n, 2);
    ck_assert_int_eq(s.id[0], izw);
    ck_assert_int_eq(s.id[1], iwang);
    s = search(cs, "伟");
    ck_assert_uint_eq(s.n, 2);
    ck_assert(s.id[0] == izw || s.id[1] == izw);
    ck_assert(s.id[0] == iwang || s.id[1] == iwang);
    finds_one(cs, "张伟", izw);
    finds_one(cs, "阳娜", ioy);
    finds_one(cs, "阳娜娜", ioy); /* three characters: the trigram index */
    finds_one(cs, "娜", ioy);
    finds_one(cs, "虹电器", izw);
    finds_one(cs, "设计", ioy);
    finds_one(cs, "伟 长虹", izw); /* every word must match */
    finds_one(cs, "伟 13800138000", izw);
    finds_one(cs, "伟 8000", izw);
    finds_none(cs, "伟 acme");
    finds_none(cs, "伟 长城");
    finds_none(cs, "张 %伟");              /* LIKE's characters are text */
    finds_one(cs, "娜 NANA@example", ioy); /* ASCII case ignored */
    finds_none(cs, "李");
    finds_none(cs, "欧阳明");

    /* Latin text still matches word prefixes and ignores accents. */
    finds_one(cs, "ann", iann);
    finds_one(cs, "acm", iann);

    /* Characters that are not adjacent are no pair. */
    finds_none(cs, "欧娜");
    finds_none(cs, "生伟");

    /* A limit shows the best, the total counts them all. */
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(cardstore_contact_search(cs, "伟", 1, record, &s, &total),
                     0);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_int_eq(total, 2);

    /* The indexes follow edits and deletions. */
    ck_assert_int_eq(cardstore_contact_set(cs, iwang, "name", "李明"), 0);
    finds_one(cs, "伟", izw);
    finds_one(cs, "李明", iwang);
    ck_assert_int_eq(cardstore_contact_delete(cs, izw), 0);
    finds_none(cs, "伟");
    finds_none(cs, "虹电器");
    cardstore_free(cs);
    tmpdb_exec(&d, "INSERT INTO contacts_tri (contacts_tri) "
                   "VALUES ('integrity-check')");
    tmpdb_exec(&d, "INSERT INTO contacts_uni (contacts_uni) "
                   "VALUES ('integrity-check')");
    tmpdb_remove(&d);
}
END_TEST

/* Contacts saved before the substring index existed are found by it once
 * the store is opened by this version: the migration indexes them. */
START_TEST(search_cjk_after_migration)
{
    struct tmpdb d;
    struct cardstore *cs;
    char sql[64];
    FILE *f;

    tmpdb_init(&d);
    /* An empty file is an empty database, as version 001 left it. */
    f = fopen(d.path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    tmpdb_exec(&d, client_migrations[0].sql);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
             client_migrations[0].version);
    tmpdb_exec(&d, sql);
    tmpdb_exec(&d, "INSERT INTO contacts (id, name, created, updated) "
                   "VALUES (7, '张伟', 1, 1)");
    cs = db_open(&d);
    finds_one(cs, "伟", 7);
    finds_one(cs, "张伟", 7);
    cardstore_free(cs);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM contacts"), 1);
    /* Filled once: the store has nothing left to do. */
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM store_todo"), 0);
    tmpdb_exec(&d, "INSERT INTO contacts_tri (contacts_tri) "
                   "VALUES ('integrity-check')");
    tmpdb_exec(&d, "INSERT INTO contacts_uni (contacts_uni) "
                   "VALUES ('integrity-check')");
    tmpdb_remove(&d);
}
END_TEST

/* Enough matches that a limit leaves most out. */
#define MANY 120

struct many {
    int64_t id[MANY];
    size_t n;
};

static int collect(void *ud, const struct cardstore_card *c)
{
    struct many *m = ud;

    ck_assert_uint_lt(m->n, MANY);
    m->id[m->n++] = c->id;
    return 0;
}

static struct many search_limit(struct cardstore *cs, const char *text,
                                size_t limit, int64_t *total)
{
    struct many m = {{0}, 0};
    int rc = cardstore_contact_search(cs, text, limit, collect, &m, total);

    ck_assert_msg(rc == 0, "search \"%s\" limit %zu: %d %s", text, limit, rc,
                  cardstore_errmsg(cs));
    return m;
}

static int is_one_of(int64_t id, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == id)
            return 1;
    return 0;
}

/* MANY contacts match "zed": every twelfth by name, which ranks it before
 * the others (a hit in the note); as many others do not match at all. */
static void add_zeds(struct cardstore *cs, int64_t *best, size_t *nbest)
{
    char name[32], note[32];
    struct vcard_fields f = {.name = name, .note = note};
    int64_t id;

    *nbest = 0;
    ck_assert_int_eq(cardstore_begin(cs), 0);
    for (int i = 0; i < 2 * MANY; i++) {
        int named = i < MANY && i % 12 == 5;

        snprintf(name, sizeof name, "%s Person %d", named ? "Zed" : "Al", i);
        snprintf(note, sizeof note, "%s",
                 named      ? "plain"
                 : i < MANY ? "zed fan"
                            : "other");
        id = add_contact(cs, &f, NULL);
        if (named)
            best[(*nbest)++] = id;
    }
    ck_assert_int_eq(cardstore_commit(cs), 0);
}

START_TEST(search_limit_and_total)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct many all, top;
    struct seen s = {.stop_after = 3};
    int64_t best[MANY], total;
    size_t nbest, i;

    tmpdb_init(&d);
    cs = db_open(&d);
    add_zeds(cs, best, &nbest);
    ck_assert_uint_eq(nbest, 10);

    /* 0 is no limit: the name hits first. */
    total = -1;
    all = search_limit(cs, "zed", 0, &total);
    ck_assert_uint_eq(all.n, MANY);
    ck_assert_int_eq(total, MANY);
    for (i = 0; i < nbest; i++)
        ck_assert(is_one_of(all.id[i], best, nbest));

    /* A limit keeps the best, in the same order, and counts the rest. */
    total = -1;
    top = search_limit(cs, "zed", 10, &total);
    ck_assert_uint_eq(top.n, 10);
    ck_assert_int_eq(total, MANY);
    ck_assert_mem_eq(top.id, all.id, 10 * sizeof top.id[0]);
    top = search_limit(cs, "zed", 1, NULL);
    ck_assert_uint_eq(top.n, 1);
    ck_assert_int_eq(top.id[0], all.id[0]);
    top = search_limit(cs, "zed", MANY, &total);
    ck_assert_uint_eq(top.n, MANY);
    ck_assert_int_eq(total, MANY);
    top = search_limit(cs, "zed", 1000, &total);
    ck_assert_uint_eq(top.n, MANY);
    ck_assert_int_eq(total, MANY);
    ck_assert_mem_eq(top.id, all.id, MANY * sizeof top.id[0]);
    /* Two words: only the named ones have both. */
    top = search_limit(cs, "zed person", 4, &total);
    ck_assert_uint_eq(top.n, 4);
    ck_assert_int_eq(total, MANY);
    top = search_limit(cs, "zed plain", 4, &total);
    ck_assert_uint_eq(top.n, 4);
    ck_assert_int_eq(total, nbest);
    for (i = 0; i < top.n; i++)
        ck_assert(is_one_of(top.id[i], best, nbest));

    /* Nothing found, or nothing to look for: a total of 0. */
    total = -1;
    top = search_limit(cs, "nobody", 10, &total);
    ck_assert_uint_eq(top.n, 0);
    ck_assert_int_eq(total, 0);
    total = -1;
    top = search_limit(cs, " \" ", 10, &total);
    ck_assert_uint_eq(top.n, 0);
    ck_assert_int_eq(total, 0);

    /* The total is known before the visitor stops. */
    total = -1;
    ck_assert_int_eq(
        cardstore_contact_search(cs, "zed", 10, record, &s, &total), 7);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(total, MANY);
    ck_assert_mem_eq(s.id, all.id, 3 * sizeof s.id[0]);
    total = -1;
    ck_assert_int_eq(cardstore_contact_search(cs, NULL, 10, record, &s, &total),
                     CARDSTORE_EINVAL);
    ck_assert_int_eq(total, 0);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(self_card)
{
    struct tmpdb d;
    struct cardstore *cs;
    char *xml = (char *)&d; /* must be reset */
    int uploaded = -1;

    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_ptr_null(xml);
    ck_assert_int_eq(uploaded, 0);
    ck_assert_int_eq(cardstore_self_mark_uploaded(cs, "<vCard/>"),
                     CARDSTORE_ENOTFOUND);

    ck_assert_int_eq(cardstore_self_set(cs,
                                        "<vCard xmlns='vcard-temp'>"
                                        "<FN>Me</FN></vCard>",
                                        0),
                     0);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_str_eq(xml, "<vCard xmlns='vcard-temp'><FN>Me</FN></vCard>");
    ck_assert_int_eq(uploaded, 0);
    ck_assert_int_eq(cardstore_self_mark_uploaded(cs, xml), 0);
    free(xml);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_int_eq(uploaded, 1);
    free(xml);

    /* A new version is not uploaded until marked. */
    ck_assert_int_eq(cardstore_self_set(cs,
                                        "<vCard xmlns='vcard-temp'>"
                                        "<FN>Me Too</FN></vCard>",
                                        0),
                     0);
    cardstore_free(cs);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_ptr_nonnull(strstr(xml, "Me Too"));
    ck_assert_int_eq(uploaded, 0);
    free(xml);
    ck_assert_int_eq(tmpdb_int(&d, "SELECT count(*) FROM self"), 1);

    ck_assert_int_eq(cardstore_self_set(cs, NULL, 0), 0);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_ptr_null(xml);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

/* An edit made while the upload was in flight is not marked uploaded by
 * the upload's answer: only the version that was sent is. */
START_TEST(self_card_edited_in_flight)
{
    static const char sent[] = "<vCard xmlns='vcard-temp'><FN>Old</FN></vCard>";
    static const char edited[] =
        "<vCard xmlns='vcard-temp'><FN>New</FN></vCard>";
    struct tmpdb d;
    struct cardstore *cs;
    char *xml = NULL;
    int uploaded = -1;

    tmpdb_init(&d);
    cs = db_open(&d);
    ck_assert_int_eq(cardstore_self_set(cs, sent, 0), 0);
    ck_assert_int_eq(cardstore_self_set(cs, edited, 0), 0);
    ck_assert_int_eq(cardstore_self_mark_uploaded(cs, sent),
                     CARDSTORE_ENOTFOUND);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_str_eq(xml, edited);
    ck_assert_int_eq(uploaded, 0);
    free(xml);
    ck_assert_int_eq(cardstore_self_mark_uploaded(cs, edited), 0);
    ck_assert_int_eq(cardstore_self_get(cs, &xml, &uploaded), 0);
    ck_assert_int_eq(uploaded, 1);
    free(xml);
    ck_assert_int_eq(cardstore_self_mark_uploaded(cs, NULL), CARDSTORE_EINVAL);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(survives_reopen)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Ida", .phone = "+15550200"};
    struct cardstore_card a = inbox_card("r-1", "Jo", NULL, 100);
    struct cardstore_card *got = NULL;
    int64_t contact, card = 0;

    tmpdb_init(&d);
    cs = db_open(&d);
    contact = add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &card), 1);
    cardstore_free(cs);

    cs = db_open(&d);
    ck_assert_int_eq(cardstore_contact_get(cs, contact, &got), 0);
    ck_assert_str_eq(got->f.name, "Ida");
    cardstore_card_free(got);
    ck_assert_int_eq(cardstore_inbox_get(cs, card, &got), 0);
    ck_assert_str_eq(got->f.name, "Jo");
    cardstore_card_free(got);
    finds_one(cs, "5550200", contact);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

START_TEST(rollback_leaves_store_unchanged)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {.name = "Kim", .phone = "+15550300"};
    struct cardstore_card a = inbox_card("t-1", "Lu", "+15550301", 100);
    int64_t id = 0, contact = 0, kept;

    tmpdb_init(&d);
    cs = db_open(&d);
    kept = add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_begin(cs), 0);
    add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_contact_set(cs, kept, "name", "Changed"), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);
    /* inbox_save nests inside the caller's transaction. */
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact), 0);
    ck_assert_int_eq(contact_count(cs), 3);
    ck_assert_int_eq(cardstore_rollback(cs), 0);

    ck_assert_int_eq(contact_count(cs), 1);
    ck_assert_int_eq(inbox_count(cs), 0);
    finds_one(cs, "kim", kept);
    finds_none(cs, "changed");
    finds_none(cs, "lu");
    /* Rolled back, the card was never seen. */
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &id), 1);

    /* And a committed transaction keeps it all. */
    ck_assert_int_eq(cardstore_begin(cs), 0);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, id, CARDSTORE_MERGE_ASK, &contact), 0);
    ck_assert_int_eq(cardstore_commit(cs), 0);
    ck_assert_int_eq(contact_count(cs), 2);
    ck_assert_int_eq(cardstore_commit(cs), CARDSTORE_EDB);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

/* A save that fails half-way (the inbox row cannot be deleted) loses
 * nothing and adds nothing. */
START_TEST(failed_save_rolls_back)
{
    struct tmpdb d;
    struct cardstore *cs;
    struct vcard_fields f = {
        .name = "Mo", .phone = "+15550400", .email = "mo@example.com"};
    struct cardstore_card a = inbox_card("f-1", "Ned", "+15550401", 100);
    struct cardstore_card b = inbox_card("f-2", "Mo Two", "+15550400", 100);
    struct cardstore_card *got = NULL;
    int64_t ia = 0, ib = 0, contact = 0, existing;

    tmpdb_init(&d);
    cs = db_open(&d);
    existing = add_contact(cs, &f, NULL);
    ck_assert_int_eq(cardstore_inbox_add(cs, &a, &ia), 1);
    ck_assert_int_eq(cardstore_inbox_add(cs, &b, &ib), 1);
    tmpdb_exec(&d, "CREATE TRIGGER no_delete BEFORE DELETE ON inbox BEGIN "
                   "SELECT RAISE(ABORT, 'inbox is read-only'); END");

    ck_assert_int_eq(
        cardstore_inbox_save(cs, ia, CARDSTORE_MERGE_ASK, &contact),
        CARDSTORE_EDB);
    ck_assert_ptr_nonnull(strstr(cardstore_errmsg(cs), "read-only"));
    ck_assert_int_eq(
        cardstore_inbox_save(cs, ib, CARDSTORE_MERGE_INTO, &contact),
        CARDSTORE_EDB);
    ck_assert_int_eq(inbox_count(cs), 2);
    ck_assert_int_eq(contact_count(cs), 1);
    ck_assert_int_eq(cardstore_contact_get(cs, existing, &got), 0);
    ck_assert_str_eq(got->f.name, "Mo");
    cardstore_card_free(got);
    finds_none(cs, "ned");

    /* Inside the caller's transaction only the save is undone. */
    ck_assert_int_eq(cardstore_begin(cs), 0);
    ck_assert_int_eq(cardstore_contact_set(cs, existing, "org", "Kept"), 0);
    ck_assert_int_eq(
        cardstore_inbox_save(cs, ia, CARDSTORE_MERGE_ASK, &contact),
        CARDSTORE_EDB);
    ck_assert_int_eq(cardstore_commit(cs), 0);
    ck_assert_int_eq(contact_count(cs), 1);
    ck_assert_int_eq(cardstore_contact_get(cs, existing, &got), 0);
    ck_assert_str_eq(got->f.org, "Kept");
    cardstore_card_free(got);
    cardstore_free(cs);
    tmpdb_remove(&d);
}
END_TEST

static Suite *cardstore_suite(void)
{
    Suite *s = suite_create("cardstore");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, migrations_applied);
    tcase_add_test(tc, newer_schema_refused);
    tcase_add_test(tc, open_bad_path);
    tcase_add_test(tc, inbox_add_list_get_delete);
    tcase_add_test(tc, inbox_duplicates_stored_once);
    tcase_add_test(tc, save_as_new_contact);
    tcase_add_test(tc, save_ask_when_phone_exists);
    tcase_add_test(tc, save_merge_into);
    tcase_add_test(tc, merge_takes_card_xml);
    tcase_add_test(tc, contact_add_get_set_delete);
    tcase_add_test(tc, contact_list_order);
    tcase_add_test(tc, visitor_calls_store);
    tcase_add_test(tc, search_fields);
    tcase_add_test(tc, search_ranks_name_first);
    tcase_add_test(tc, search_cjk_any_part);
    tcase_add_test(tc, search_cjk_after_migration);
    tcase_add_test(tc, search_syntax_is_text);
    tcase_add_test(tc, search_follows_changes);
    tcase_add_test(tc, search_limit_and_total);
    tcase_add_test(tc, self_card);
    tcase_add_test(tc, self_card_edited_in_flight);
    tcase_add_test(tc, survives_reopen);
    tcase_add_test(tc, rollback_leaves_store_unchanged);
    tcase_add_test(tc, failed_save_rolls_back);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cardstore_suite)
