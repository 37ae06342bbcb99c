/* Example: send your business card to a phone number with libcardx, using
 * the blocking conveniences.
 *
 *   send_card jid=alice@example.org password=secret data_dir=/tmp/alice \
 *             [server=HOST:PORT] [tls=no] [name=Alice] to=+8613900139000
 *
 * Every KEY=VALUE is a cardx_settings key, except to (the number), note
 * (a note sent with the card) and the card's fields (name, phone, email,
 * org, ...), which replace those of your own card before sending.
 * Build: cc send_card.c $(pkg-config --cflags --libs cardx) */
#include <cardx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A card field of the own card, or a setting. */
static int apply(cardx_settings *s, cardx_card *card, int *edited,
                 const char *key, const char *value)
{
    for (const char *const *f = cardx_field_names(); *f; f++) {
        if (strcmp(*f, key) == 0) {
            *edited = 1;
            return cardx_card_set(card, key, value);
        }
    }
    return cardx_settings_set(s, key, value);
}

int main(int argc, char **argv)
{
    cardx_settings *s = cardx_settings_new();
    cardx_card *card = cardx_card_new();
    cardx_client *c = NULL;
    const char *to = NULL, *note = NULL;
    enum cardx_send_status status;
    char *err = NULL, *card_id = NULL;
    int edited = 0, rc, ret = 1;

    if (!s || !card)
        return 1;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');

        if (!eq) {
            fprintf(stderr, "send_card: '%s' is not KEY=VALUE\n", argv[i]);
            goto out;
        }
        *eq = '\0';
        if (strcmp(argv[i], "to") == 0)
            to = eq + 1;
        else if (strcmp(argv[i], "note") == 0)
            note = eq + 1;
        else if ((rc = apply(s, card, &edited, argv[i], eq + 1)) != CARDX_OK) {
            fprintf(stderr, "send_card: %s: %s\n", argv[i], cardx_strerror(rc));
            goto out;
        }
    }
    if (!to) {
        fprintf(stderr, "send_card: give to=NUMBER\n");
        goto out;
    }
    rc = cardx_client_new(s, NULL, NULL, &c, &err);
    if (rc != CARDX_OK) {
        fprintf(stderr, "send_card: %s\n", err ? err : cardx_strerror(rc));
        goto out;
    }
    /* The own card lives in the store; it is uploaded once online. */
    if (edited &&
        cardx_store_self_set(cardx_client_store(c), card) != CARDX_OK) {
        fprintf(stderr, "send_card: %s\n",
                cardx_store_errmsg(cardx_client_store(c)));
        goto out;
    }
    rc = cardx_client_connect_blocking(c);
    if (rc == CARDX_OK)
        rc = cardx_client_send_blocking(c, to, note, &status, &card_id);
    if (rc != CARDX_OK) {
        fprintf(stderr, "send_card: %s (%s)\n", cardx_client_errmsg(c),
                cardx_strerror(rc));
        goto out;
    }
    printf("%s: card %s to %s\n",
           status == CARDX_SEND_DELIVERED ? "delivered" : "queued", card_id,
           to);
    ret = 0;
out:
    cardx_free(card_id);
    cardx_free(err);
    cardx_client_free(c);
    cardx_card_free(card);
    cardx_settings_free(s);
    return ret;
}
