/* The statements of store_share.c (shares, updates, profiles), kept apart
 * so that store_sql.c's table takes them in one line. Private to it. */
#ifndef CARDX_COMPONENT_STORE_SHARE_SQL_H
#define CARDX_COMPONENT_STORE_SHARE_SQL_H

/* The user row and number of the JID ?1. */
#define SHARE_USER_ID "(SELECT id FROM users WHERE jid = ?1)"
#define SHARE_USER_PHONE "(SELECT phone FROM users WHERE jid = ?1)"

/* A new send of the card keeps the recipient's choice about updates. */
#define STORE_SHARE_SQL                                                        \
    [OP_SHARE_PUT] = "INSERT INTO shares (sender_jid, recipient_phone, "       \
                     "card_id, profile, fields, vcard, shared_at) "            \
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "                    \
                     "ON CONFLICT (sender_jid, recipient_phone) DO UPDATE "    \
                     "SET card_id = excluded.card_id, "                        \
                     "profile = excluded.profile, fields = excluded.fields, "  \
                     "vcard = excluded.vcard, "                                \
                     "shared_at = excluded.shared_at",                         \
    [OP_SHARE_LIST] = "SELECT recipient_phone, card_id, profile, fields, "     \
                      "vcard FROM shares WHERE sender_jid = ?1 AND "           \
                      "updates = 1 ORDER BY recipient_phone",                  \
    [OP_SHARE_ADVANCE] = "UPDATE shares SET card_id = ?3, vcard = ?4 "         \
                         "WHERE sender_jid = ?1 AND recipient_phone = ?2",     \
    [OP_SHARE_UPDATES] =                                                       \
        "UPDATE shares SET updates = ?3 "                                      \
        "WHERE recipient_phone = " SHARE_USER_PHONE " AND sender_jid = "       \
        "(SELECT jid FROM users WHERE phone = ?2)", /* One pending update per  \
                                                     * sender and number: a    \
                                                     * newer edit overwrites   \
                                                     * it with a new id        \
                                                     * (clients dedupe by id)  \
                                                     * but keeps the id of the \
                                                     * card it updates, and a  \
                                                     * waiting card's note and \
                                                     * receipt request. */     \
        [OP_UPDATE_UPSERT] =                                                   \
            "INSERT INTO inbox (card_id, recipient_phone, sender_phone, "      \
            "sender_jid, vcard, created_at, attempts, updates, changed) "      \
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8) "                      \
            "ON CONFLICT (recipient_phone, sender_jid) DO UPDATE SET "         \
            "card_id = excluded.card_id, sender_phone = "                      \
            "excluded.sender_phone, "                                          \
            "vcard = excluded.vcard, created_at = excluded.created_at, "       \
            "attempts = 0, handed_at = NULL, "                                 \
            "updates = coalesce(inbox.updates, excluded.updates), "            \
            "changed = excluded.changed",                                      \
    [OP_UPDATE_PENDING] = "SELECT changed FROM inbox WHERE "                   \
                          "recipient_phone = ?1 AND sender_jid = ?2 AND "      \
                          "updates IS NOT NULL",                               \
    [OP_UPDATE_DROP] =                                                         \
        "DELETE FROM inbox WHERE updates IS NOT NULL AND "                     \
        "recipient_phone = " SHARE_USER_PHONE " AND sender_jid = "             \
        "(SELECT jid FROM users WHERE phone = ?2)", /* The WHERE keeps the     \
                                                       parser from reading ON  \
                                                       CONFLICT as a join. */  \
        [OP_PROFILE_PUT] = "INSERT INTO profiles (user_id, name, fields) "     \
                           "SELECT id, ?2, ?3 FROM users WHERE jid = ?1 "      \
                           "ON CONFLICT (user_id, name) DO UPDATE SET "        \
                           "fields = excluded.fields",                         \
    [OP_PROFILE_GET] =                                                         \
        "SELECT fields FROM profiles WHERE user_id = " SHARE_USER_ID           \
        " AND name = ?2",                                                      \
    [OP_PROFILE_DEFAULT] =                                                     \
        "SELECT name, fields FROM profiles WHERE "                             \
        "user_id = " SHARE_USER_ID                                             \
        " AND is_default = 1", /* ?2 NULL: no profile is the default (sends    \
                                  give the whole card). */                     \
        [OP_PROFILE_SET_DEFAULT] = "UPDATE profiles SET is_default = "         \
                                   "CASE WHEN ?2 IS NOT NULL AND name = ?2 "   \
                                   "THEN 1 ELSE 0 END "                        \
                                   "WHERE user_id = " SHARE_USER_ID,           \
    [OP_PROFILE_DELETE] =                                                      \
        "DELETE FROM profiles WHERE user_id = " SHARE_USER_ID                  \
        " AND name = ?2",                                                      \
    [OP_PROFILE_LIST] = "SELECT name, fields, is_default FROM profiles "       \
                        "WHERE user_id = " SHARE_USER_ID " ORDER BY name"

#endif
