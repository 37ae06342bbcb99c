/* cardx's command table and its help texts (cardx help, --help). The
 * texts are English and translated where they are printed; make update-po
 * extracts every string of this file, so the table needs no marks. */
#include "client/commands_int.h"

#include <string.h>

#include "buildconf.h"

const struct cmd_spec cmd_specs[] = {
    {"register", cmd_register, "cardx register --phone NUMBER [--code CODE]",
     "create your account if needed and register your phone number",
     "Creates the XMPP account (in-band registration) when it does not exist\n"
     "and the server allows it, logs in, registers NUMBER with cardxd so\n"
     "others can send you cards by it, and approves cardxd's presence\n"
     "subscription. When cardxd proves numbers, it sends a code to NUMBER\n"
     "by text message: cardx asks for it on a terminal; otherwise run\n"
     "register again with --code CODE. Saves jid, server, component and\n"
     "phone to the config file (mode 0600) so later commands need no\n"
     "options."},
    {"card", cmd_card,
     "cardx card [show]\n"
     "cardx card set FIELD=VALUE...\n"
     "cardx card edit",
     "show or change your own business card",
     "Fields: name, given, family, phone, email, org, title, address, url,\n"
     "note. An empty VALUE clears the field. edit opens $EDITOR (default vi)\n"
     "on the card as a .vcf file. The card is kept locally and uploaded to\n"
     "cardxd when the server can be reached; otherwise cardx sync uploads\n"
     "it later."},
    {"send", cmd_send, "cardx send NUMBER [--note TEXT]",
     "send your card to the owner of a phone number",
     "Prints 'queued' and the card's id once cardxd has accepted the card;\n"
     "'delivered' when the recipient is online and the service is set to\n"
     "say so (reveal_online). Your card is uploaded first if it changed."},
    {"sync", cmd_sync, "cardx sync",
     "receive waiting cards into the inbox and upload your changed card",
     "Goes online until no card has arrived for the quiet period\n"
     "(sync_quiet, default 1500 ms; the protocol has no count of waiting\n"
     "cards), acknowledging each card only once it is stored."},
    {"block", cmd_block, "cardx block NUMBER",
     "drop the cards a phone number sends you",
     "cardxd answers that number's sends as if it accepted them, then drops\n"
     "them: its sender is not told. Cards from it that wait are deleted."},
    {"unblock", cmd_unblock, "cardx unblock NUMBER",
     "let a blocked number's new cards through again", NULL},
    {"blocked", cmd_blocked, "cardx blocked",
     "list the numbers you blocked, one a line", NULL},
    {"inbox", cmd_inbox,
     "cardx inbox [list]\n"
     "cardx inbox show N\n"
     "cardx inbox save N... | --all [--merge | --new]\n"
     "cardx inbox delete N...",
     "read received cards and save them to your contacts",
     "Saving moves a card into your contacts. When a contact has the same\n"
     "number, cardx asks on a terminal whether to merge; otherwise give\n"
     "--merge (update that contact) or --new (keep both)."},
    {"contacts", cmd_contacts,
     "cardx contacts [list]\n"
     "cardx contacts search [--limit N | --all] TEXT\n"
     "cardx contacts show ID\n"
     "cardx contacts edit ID FIELD=VALUE...\n"
     "cardx contacts delete ID...",
     "browse and edit saved contacts (works offline)",
     "search shows the best 50 matches, best first (a match in the name\n"
     "counts most), and how many more there are; --limit N shows the best\n"
     "N, --all every match."},
    {"export", cmd_export, "cardx export FILE.vcf",
     "write all contacts as vCard text ('-' for standard output)", NULL},
    {"import", cmd_import, "cardx import FILE.vcf",
     "add the contacts of a vCard file, all or none", NULL},
    {"shell", cmd_shell, "cardx shell",
     "stay online, print cards as they arrive, take commands at a prompt",
     "Reads commands from standard input, one per line, with shell-style\n"
     "quoting; 'quit' or end of input leaves. Reconnects with backoff when\n"
     "the connection drops."},
    {"help", cmd_help_command, "cardx help [COMMAND]",
     "show help for cardx or a command", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

const struct cmd_spec *cmd_find(const char *name)
{
    for (const struct cmd_spec *s = cmd_specs; s->name; s++) {
        if (strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

void cmd_usage(FILE *out)
{
    fprintf(
        out,
        _("usage: cardx [OPTION]... COMMAND [ARG]...\n"
          "Business cards by phone number over XMPP (cardx %s).\n\n"
          "Options (before the command):\n"
          "  --jid JID             your account (user@domain)\n"
          "  --server HOST[:PORT]  server to connect to (default: the JID's\n"
          "                        domain, port 5222)\n"
          "  --component DOMAIN    cardxd's address (default: cards.DOMAIN)\n"
          "  --data-dir DIR        local data (default:\n"
          "                        $XDG_DATA_HOME/cardx)\n"
          "  --config FILE         settings file (default:\n"
          "                        $XDG_CONFIG_HOME/cardx/cardx.conf)\n"
          "  --insecure-plaintext  connect without TLS (test servers only)\n"
          "  --cafile FILE         also trust the CA certificates in FILE\n"
          "  --timeout SECONDS     connect and request timeout (default 10)\n"
          "  --help, --version\n\n"
          "Commands:\n"),
        PACKAGE_VERSION);
    for (const struct cmd_spec *s = cmd_specs; s->name; s++)
        fprintf(out, "  %-9s %s\n", s->name, _(s->summary));
    fputs(_("\nThe password comes from CARDX_PASSWORD, the config file or a\n"
            "prompt. See cardx help COMMAND and cardx(1).\n"),
          out);
}

int cmd_help(struct cardx_cmd *c, const char *topic)
{
    const struct cmd_spec *s;

    if (!topic) {
        cmd_usage(c->out);
        return CARDX_EXIT_OK;
    }
    s = cmd_find(topic);
    if (!s)
        return cmd_fail(c, CARDX_EXIT_USAGE, "no such command '%s'", topic);
    fprintf(c->out, _("usage: %s\n\n%s.\n"), s->synopsis, _(s->summary));
    if (s->details)
        fprintf(c->out, "\n%s\n", _(s->details));
    return CARDX_EXIT_OK;
}

int cmd_help_command(struct cardx_cmd *c, int argc, char **argv)
{
    if (argc > 2)
        return cmd_fail(c, CARDX_EXIT_USAGE, "usage: cardx help [COMMAND]");
    return cmd_help(c, argc == 2 ? argv[1] : NULL);
}
