/* cardx's command table and its help texts (cardx help, --help). The
 * texts are English and translated where they are printed; make update-po
 * extracts every string of this file, so the table needs no marks. */
#include "client/commands.h"

#include <string.h>

#include "buildconf.h"

#define _(s) cmd_tr(s)

const struct cmd_spec cmd_specs[] = {
    {"register", cmd_register,
     "cardx register --phone NUMBER [--code CODE] [--create]",
     "log in (creating your account if needed) and register your number",
     "Logs in; when the login is refused, creates the XMPP account by\n"
     "in-band registration if the server allows it (--create: creates it\n"
     "first). Then registers NUMBER with cardxd so others can send you\n"
     "cards by it, and approves cardxd's presence subscription. When cardxd\n"
     "proves numbers, it sends a code to NUMBER by text message: cardx asks\n"
     "for it on a terminal; otherwise run register again with --code CODE.\n"
     "Saves jid, server, component and phone beside your cards (mode 0600)\n"
     "so later commands need no options."},
    {"card", cmd_card,
     "cardx card [show]\n"
     "cardx card set FIELD=VALUE...\n"
     "cardx card edit\n"
     "cardx card qr [--png FILE] [--invert]\n"
     "cardx card profile [list | show NAME | set NAME FIELD... |\n"
     "                    delete NAME | default NAME]",
     "show or change your own business card",
     "Fields: name, given, family, phone, email, org, title, address, url,\n"
     "note; photo=@FILE puts a JPEG or PNG photo (at most 32 KiB) in the\n"
     "card and photo= removes it. An empty VALUE clears the field. edit\n"
     "opens $EDITOR (default vi) on the card as a .vcf file. The card is\n"
     "kept locally and uploaded to\n"
     "cardxd when the server can be reached; otherwise cardx sync uploads\n"
     "it later. qr shows the card as a QR code (vCard 3.0) a phone camera\n"
     "imports, or writes it to FILE as a PNG; a card too large for one\n"
     "leaves out note, address, url, title, org, email in that order and\n"
     "says which. --invert is for dark text on a light terminal. A profile\n"
     "names the fields a recipient sees (kept by cardxd); send --profile\n"
     "NAME, or the default profile, uses one."},
    {"send", cmd_send, "cardx send NUMBER [--note TEXT] [--profile NAME]",
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
    {"consent", cmd_consent, "cardx consent [anyone | contacts | ask]",
     "choose who may send you cards, or show your choice",
     "anyone (the default): every card arrives. contacts: only cards from\n"
     "numbers in your contacts (and senders you accepted) arrive; others\n"
     "are dropped and their senders are not told. ask: those arrive, and\n"
     "cards from other numbers wait as requests (cardx requests). Setting\n"
     "contacts or ask tells cardxd the numbers of your saved contacts, and\n"
     "cardx sync tells it again when they changed."},
    {"requests", cmd_requests,
     "cardx requests [list]\n"
     "cardx requests accept ID\n"
     "cardx requests decline ID",
     "cards waiting for your consent (consent ask)",
     "accept delivers the card (then stored in your inbox) and lets its\n"
     "sender send you cards from now on; decline deletes it, and its sender\n"
     "is not told. Either way the sender was only ever told 'queued'."},
    {"inbox", cmd_inbox,
     "cardx inbox [list]\n"
     "cardx inbox show N\n"
     "cardx inbox save N... | --all [--merge | --new] [--theirs | --mine]\n"
     "cardx inbox delete N...",
     "read received cards and save them to your contacts",
     "Saving moves a card into your contacts. When a contact has the same\n"
     "number, cardx asks on a terminal whether to merge; otherwise give\n"
     "--merge (update that contact) or --new (keep both). An update of a\n"
     "saved card merges into its contact, keeping your own edits; a field\n"
     "both of you changed is asked, or --theirs / --mine decides."},
    {"contacts", cmd_contacts,
     "cardx contacts [list]\n"
     "cardx contacts search [--limit N | --all] TEXT\n"
     "cardx contacts show ID\n"
     "cardx contacts edit ID FIELD=VALUE...\n"
     "cardx contacts delete ID...\n"
     "cardx contacts photo ID FILE\n"
     "cardx contacts updates ID on|off",
     "browse and edit saved contacts (works offline)",
     "search shows the best 50 matches, best first (a match in the name\n"
     "counts most), and how many more there are; --limit N shows the best\n"
     "N, --all every match. photo writes the contact's photo to FILE."},
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
