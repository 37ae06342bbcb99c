/* The statements of cardstore_updates.c, kept apart so that cardstore.c's
 * table takes them in one line. Private to client/cardstore.c. */
#ifndef CARDX_CLIENT_CARDSTORE_UPDATES_SQL_H
#define CARDX_CLIENT_CARDSTORE_UPDATES_SQL_H

#define CS_BASE_FIELDS                                                         \
    "name, given, family, phone, email, org, title, address, url, fnote"

#define CS_UPDATES_SQL                                                         \
    [OP_UPDATE_MARK] = "INSERT OR REPLACE INTO inbox_updates (inbox_id, "      \
                       "updates, changed) VALUES (?1, ?2, ?3)",                \
    [OP_UPDATE_GET] = "SELECT updates, changed FROM inbox_updates "            \
                      "WHERE inbox_id = ?1",                                   \
    [OP_BASE_SET] = "INSERT OR REPLACE INTO contact_base (" CS_BASE_FIELDS     \
                    ", sender_phone, contact_id) VALUES (?1, ?2, ?3, ?4, ?5, " \
                    "?6, ?7, ?8, ?9, ?10, ?11, ?12)",                          \
    [OP_BASE_GET] =                                                            \
        "SELECT " CS_BASE_FIELDS ", sender_phone "                             \
        "FROM contact_base WHERE contact_id = ?1", /* The oldest contact that  \
                                                      follows the sender's     \
                                                      card. */                 \
        [OP_BASE_BY_SENDER] = "SELECT contact_id FROM contact_base WHERE "     \
                              "sender_phone = ?1 ORDER BY contact_id LIMIT 1", \
    [OP_PENDING_SET] = "INSERT OR REPLACE INTO updates_pending "               \
                       "(sender_phone, receive) VALUES (?1, ?2)",              \
    [OP_PENDING_LIST] = "SELECT sender_phone, receive FROM updates_pending "   \
                        "ORDER BY sender_phone",                               \
    [OP_PENDING_CLEAR] = "DELETE FROM updates_pending WHERE sender_phone = ?1"

#endif
