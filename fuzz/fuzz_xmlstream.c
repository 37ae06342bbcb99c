/* Fuzz target for the incremental stream parser: the input fed in chunks
 * the fuzzer chooses must give the same events, in the same order, and the
 * same outcome as fed in one piece; and a reset parser must do it again. */
#include <strophe.h>

#include "fuzz/fuzzutil.h"
#include "xep/xmlstream.h"

/* Small, so the fuzzer reaches the per-stanza cap, whose count must not
 * depend on how the bytes were split. */
#define MAX_STANZA 2048
/* The first bytes of an input seed the chunk sizes; the rest is the stream. */
#define SEED_BYTES 4
#define MAX_CHUNK 64

/* Every event of one run, written as text to compare runs. */
struct record {
    FILE *mem;
    char *log;
    size_t len;
};

/* The parser's userdata: the record of the run under way, so one parser
 * can record a second run after its reset. */
struct recorder {
    struct record *cur;
};

static void on_start(void *ud, const char *const *attrs)
{
    struct record *r = ((struct recorder *)ud)->cur;

    fputs("start", r->mem);
    for (size_t i = 0; attrs[i]; i += 2)
        fprintf(r->mem, " %s='%s'", attrs[i], attrs[i + 1]);
    fputc('\n', r->mem);
}

static void on_stanza(void *ud, xmpp_stanza_t *stanza)
{
    struct record *r = ((struct recorder *)ud)->cur;
    char *buf = NULL;
    size_t len = 0;

    FUZZ_CHECK(xmpp_stanza_to_text(stanza, &buf, &len) == XMPP_EOK,
               "a delivered stanza cannot be serialised");
    fprintf(r->mem, "stanza %.*s\n", (int)len, buf);
    xmpp_free(xmpp_stanza_get_context(stanza), buf);
}

static void on_end(void *ud)
{
    fputs("end\n", ((struct recorder *)ud)->cur->mem);
}

static const struct xmlstream_callbacks callbacks = {on_start, on_stanza,
                                                     on_end};

/* Next chunk size from the xorshift state: mostly short, so splits land
 * inside tags, entities and UTF-8 sequences. */
static size_t next_chunk(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x % 4 == 0 ? 1 + x % MAX_CHUNK : 1 + x % 4;
}

/* Feeds data to xs (one piece when seed is 0) and records the events and
 * the outcome into r->log. */
static void run(struct xmlstream *xs, struct record *r, const char *data,
                size_t size, uint32_t seed)
{
    size_t off = 0;
    int rc = 0;

    r->mem = open_memstream(&r->log, &r->len);
    FUZZ_CHECK(r->mem != NULL, "out of memory");
    while (off < size && rc == 0) {
        size_t n = seed ? next_chunk(&seed) : size;
        if (n > size - off)
            n = size - off;
        rc = xmlstream_feed(xs, data + off, n);
        off += n;
    }
    fprintf(r->mem, "result %d\n", rc);
    FUZZ_CHECK(rc == 0 || xmlstream_error(xs) != NULL,
               "feed failed (%d) without saying why", rc);
    fclose(r->mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xmpp_ctx_t *ctx;
    struct record whole = {0}, split = {0}, again = {0};
    struct recorder rec = {&whole};
    struct xmlstream *one, *xs;
    uint32_t seed = 1;

    if (!ctx)
        ctx = xmpp_ctx_new(NULL, NULL);
    if (size < SEED_BYTES)
        return 0;
    for (int i = 0; i < SEED_BYTES; i++)
        seed = seed * 31 + data[i];
    data += SEED_BYTES;
    size -= SEED_BYTES;

    one = xmlstream_new(ctx, "jabber:client", &callbacks, &rec);
    FUZZ_CHECK(one != NULL, "out of memory");
    xmlstream_set_max_stanza(one, MAX_STANZA);
    run(one, &whole, (const char *)data, size, 0);

    rec.cur = &split;
    xs = xmlstream_new(ctx, "jabber:client", &callbacks, &rec);
    FUZZ_CHECK(xs != NULL, "out of memory");
    xmlstream_set_max_stanza(xs, MAX_STANZA);
    run(xs, &split, (const char *)data, size, seed ? seed : 1);
    FUZZ_CHECK(strcmp(whole.log, split.log) == 0,
               "chunked feeding differs from one piece:\n--- whole\n%s"
               "--- chunked\n%s",
               whole.log, split.log);
    xmlstream_free(xs);

    /* A reset parser starts over as if new, whatever it went through. */
    rec.cur = &again;
    FUZZ_CHECK(xmlstream_reset(one) == 0, "reset failed");
    run(one, &again, (const char *)data, size, 0);
    FUZZ_CHECK(strcmp(whole.log, again.log) == 0,
               "a reset parser differs from a new one:\n--- new\n%s"
               "--- reset\n%s",
               whole.log, again.log);
    xmlstream_free(one);

    free(whole.log);
    free(split.log);
    free(again.log);
    return 0;
}
