#!/usr/bin/python3
"""cardxd seen from a client stack that is not cardx's own: slixmpp.

Two existing accounts (created by tests/integration/test_slix, which also starts the
server and cardxd) go through what a standard client does: register a phone
number by XEP-0077, upload a vCard, look a number up by XEP-0100, send a card
by message to a proxy JID (with a XEP-0184 receipt request) and by the
XEP-0050 "send" command, receive cards online and, after waiting offline,
with a XEP-0203 delay stamp, and acknowledge them with XEP-0184 receipts.

Every step is asserted and bounded in time; the exit status is 0 only when
all passed. Run it with Debian's /usr/bin/python3 (python3-slixmpp 1.8).
"""

import argparse
import asyncio
import logging
import sys

import slixmpp
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

NS_CARDX = "urn:cardx:0"
NS_VCARD = "vcard-temp"
NS_GATEWAY = "jabber:iq:gateway"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"

STEP_TIMEOUT = 15  # seconds for any one step
TOTAL_TIMEOUT = 150  # seconds for the whole script

PHONE_A = "+8613800138181"
PHONE_B = "+8613800138182"
# How cardxd shows PHONE_B to people (the wire keeps E.164).
PHONE_B_SHOWN = "+86 138 0013 8182"


class Failure(Exception):
    """A step did not do what cardxd promises."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def step(text):
    print("ok: " + text, flush=True)


async def within(awaitable, what):
    try:
        return await asyncio.wait_for(awaitable, STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise Failure("timed out: " + what) from None


class Client(slixmpp.ClientXMPP):
    """A plain slixmpp client that records what it receives."""

    def __init__(self, jid, password, component):
        super().__init__(jid, password)
        self.component = component
        for plugin in ("xep_0030", "xep_0004", "xep_0050", "xep_0054",
                       "xep_0077", "xep_0184", "xep_0203"):
            self.register_plugin(plugin)
        # Receipts are sent by hand, so that the test decides when.
        self["xep_0184"].auto_ack = False
        self["feature_mechanisms"].unencrypted_plain = True
        self.messages = []
        self.arrived = asyncio.Event()
        self.started = asyncio.Event()
        self.seen_by_cardxd = asyncio.Event()
        self.failed = None
        self.add_event_handler("session_start", self._session_start)
        # slixmpp raises "message" for messages with a body only.
        self.add_event_handler("message", self._message)
        self.add_event_handler("receipt_received", self._message)
        self.add_event_handler("failed_auth", self._fail)
        self.add_event_handler("connection_failed", self._fail)
        # cardxd asks each session it learns of for disco#info: the sign
        # that it knows this client is online.
        self.register_handler(Callback(
            "cardxd disco#info", MatchXPath(
                "{%s}iq/{%s}query" % (self.default_ns, NS_DISCO_INFO)),
            self._disco_get))

    async def _session_start(self, _event):
        await self.get_roster()
        self.send_presence()
        self.started.set()

    def _fail(self, event):
        self.failed = str(event)
        self.started.set()

    def _message(self, msg):
        self.messages.append(msg)
        self.arrived.set()

    def _disco_get(self, iq):
        if iq["type"] == "get" and iq["from"].full == self.component:
            self.seen_by_cardxd.set()

    async def login(self, host, port):
        self.connect((host, port), force_starttls=False,
                     disable_starttls=True)
        await within(self.started.wait(), "login of " + self.boundjid.bare)
        check(self.failed is None,
              "login of %s failed: %s" % (self.boundjid.bare, self.failed))

    async def logout(self):
        await within(self.disconnect(), "logout")

    async def wait_message(self, what, match):
        """The first received message that match() accepts (taken)."""
        async def scan():
            while True:
                for msg in self.messages:
                    if match(msg):
                        self.messages.remove(msg)
                        return msg
                self.arrived.clear()
                await self.arrived.wait()
        return await within(scan(), what)

    async def wait_card(self, sender_phone):
        proxy = "%s@%s" % (sender_phone, self.component)

        def is_card(msg):
            return (msg.xml.find("{%s}card" % NS_CARDX) is not None and
                    msg["from"].bare == proxy)
        return await self.wait_message("a card from " + sender_phone, is_card)

    async def until_seen(self):
        """Waits until cardxd knows this session; if the server did not
        pass the presence on, sends it to the service directly. Returns
        how cardxd learnt of it."""
        try:
            await asyncio.wait_for(self.seen_by_cardxd.wait(), 5)
            return "by the presence subscription"
        except asyncio.TimeoutError:
            self.send_presence(pto=self.component)
            await within(self.seen_by_cardxd.wait(),
                         "cardxd to notice " + self.boundjid.bare)
            return "by directed presence"

    async def iq_set(self, payload):
        iq = self.make_iq_set(ito=self.component)
        iq.xml.append(payload)
        return await iq.send(timeout=STEP_TIMEOUT)

    async def register_phone(self, phone):
        iq = self.make_iq_set(ito=self.component)
        iq["register"]["phone"] = phone
        await iq.send(timeout=STEP_TIMEOUT)

    async def upload_card(self, name, phone):
        vcard = ET.Element("{%s}vCard" % NS_VCARD)
        ET.SubElement(vcard, "{%s}FN" % NS_VCARD).text = name
        org = ET.SubElement(vcard, "{%s}ORG" % NS_VCARD)
        ET.SubElement(org, "{%s}ORGNAME" % NS_VCARD).text = "Slix Ltd"
        tel = ET.SubElement(vcard, "{%s}TEL" % NS_VCARD)
        ET.SubElement(tel, "{%s}CELL" % NS_VCARD)
        ET.SubElement(tel, "{%s}NUMBER" % NS_VCARD).text = phone
        await self.iq_set(vcard)

    async def gateway_jid(self, number):
        query = ET.Element("{%s}query" % NS_GATEWAY)
        ET.SubElement(query, "{%s}prompt" % NS_GATEWAY).text = number
        result = await self.iq_set(query)
        jid = result.xml.find("{%s}query/{%s}jid" % (NS_GATEWAY, NS_GATEWAY))
        check(jid is not None, "the gateway gave no <jid/>")
        return jid.text

    async def command(self, node, fields):
        """Runs an ad-hoc command through its form; returns the notes of
        the completed command as (type, text) pairs."""
        adhoc = self["xep_0050"]
        first = await adhoc.send_command(self.component, node,
                                         timeout=STEP_TIMEOUT)
        cmd = first["command"]
        check(cmd["status"] == "executing",
              "command %s did not return a form" % node)
        form = self["xep_0004"].make_form(ftype="submit")
        for var, value in fields.items():
            form.add_field(var=var, value=value)
        done = await adhoc.send_command(self.component, node,
                                        action="complete", payload=form,
                                        sessionid=cmd["sessionid"],
                                        timeout=STEP_TIMEOUT)
        check(done["command"]["status"] == "completed",
              "command %s did not complete" % node)
        return done["command"]["notes"]

    async def one_stage_command(self, node):
        done = await self["xep_0050"].send_command(self.component, node,
                                                   timeout=STEP_TIMEOUT)
        check(done["command"]["status"] == "completed",
              "command %s did not complete" % node)
        return done["command"]["notes"]


def check_card(msg, name, note, delayed):
    body = msg["body"]
    check(name in body, "the body does not name the sender: %r" % body)
    check(note is None or note in body,
          "the body lacks the note %r: %r" % (note, body))
    check(msg.xml.find("{%s}vCard" % NS_VCARD) is not None,
          "the card has no vCard element")
    check(msg["request_receipt"], "the card asks for no receipt")
    stamp = msg["delay"]["stamp"]
    if delayed:
        check(stamp is not None, "a card that waited has no delay stamp")
    else:
        check(stamp is None, "a card sent at once has a delay stamp")


async def scenario(args):
    a = Client("%s@%s" % (args.user_a, args.domain), args.password,
               args.component)
    b = Client("%s@%s" % (args.user_b, args.domain), args.password,
               args.component)
    await a.login(args.host, args.port)
    await b.login(args.host, args.port)
    step("both clients logged in")

    await a.register_phone(PHONE_A)
    await b.register_phone(PHONE_B)
    how = await b.until_seen()
    step("registered by XEP-0077; cardxd sees the recipient online " + how)
    await a.upload_card("Alice Slix", PHONE_A)
    step("card uploaded (vcard-temp)")

    items = await within(a["xep_0050"].get_commands(a.component),
                         "the command list")
    nodes = sorted(item[1] for item in items["disco_items"]["items"])
    check("send" in nodes, "no 'send' command listed: %r" % nodes)
    step("commands listed: " + ", ".join(nodes))

    proxy_b = await a.gateway_jid(PHONE_B[3:])  # national form
    check(proxy_b == "%s@%s" % (PHONE_B, args.component),
          "the gateway gave %r" % proxy_b)
    step("gateway lookup: " + proxy_b)

    # By message to the proxy JID, with a receipt request.
    msg = a.make_message(mto=proxy_b, mbody="Met at the slixmpp booth",
                         mtype="chat")
    msg["id"] = "slix-note-1"
    msg["request_receipt"] = True
    msg.send()
    card = await b.wait_card(PHONE_A)
    check_card(card, "Alice Slix", "Met at the slixmpp booth", False)
    step("a card reads in a chat window:\n    " +
         card["body"].replace("\n", "\n    "))
    b["xep_0184"].ack(card)
    receipt = await a.wait_message(
        "the receipt of the sent card",
        lambda m: m["receipt"] == "slix-note-1")
    check(receipt["from"].bare == proxy_b,
          "the receipt came from %s" % receipt["from"])
    step("card sent by message, received, acknowledged; receipt returned")

    # By the ad-hoc command, to an online recipient.
    notes = await a.command("send", {"number": PHONE_B, "note": "Via command"})
    # Online or not, the note does not say (cardxd's reveal_online = no).
    check(notes == [("info", "Card queued for %s: it reaches them when "
                             "they are online." % PHONE_B_SHOWN)],
          "unexpected notes %r" % notes)
    card = await b.wait_card(PHONE_A)
    check_card(card, "Alice Slix", "Via command", False)
    b["xep_0184"].ack(card)
    step("card sent by command: " + notes[0][1])

    # To an offline recipient: it waits, then arrives with a delay stamp.
    await b.logout()
    await asyncio.sleep(0.5)
    notes = await a.command("send", {"number": PHONE_B, "note": "While away"})
    check(len(notes) == 1 and notes[0][0] == "info" and
          notes[0][1].startswith("Card queued for " + PHONE_B_SHOWN),
          "unexpected notes %r" % notes)
    step("card queued for the offline recipient")
    b = Client("%s@%s" % (args.user_b, args.domain), args.password,
               args.component)
    await b.login(args.host, args.port)
    card = await b.wait_card(PHONE_A)
    check_card(card, "Alice Slix", "While away", True)
    b["xep_0184"].ack(card)
    notes = await b.one_stage_command("inbox")
    check(notes == [("info", "No cards wait for you.")],
          "the acknowledged card still waits: %r" % notes)
    step("waiting card delivered with a delay stamp and acknowledged")

    await a.logout()
    await b.logout()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--component", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--user-a", default="slix_a")
    parser.add_argument("--user-b", default="slix_b")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(asyncio.wait_for(scenario(args), TOTAL_TIMEOUT))
    except Failure as e:
        print("FAIL: %s" % e, file=sys.stderr, flush=True)
        return 1
    except asyncio.TimeoutError:
        print("FAIL: the scenario took longer than %d s" % TOTAL_TIMEOUT,
              file=sys.stderr, flush=True)
        return 1
    except slixmpp.exceptions.IqError as e:
        print("FAIL: iq error: %s" % e.iq["error"], file=sys.stderr,
              flush=True)
        return 1
    except slixmpp.exceptions.IqTimeout:
        print("FAIL: an iq got no answer", file=sys.stderr, flush=True)
        return 1
    print("standard client scenario passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
