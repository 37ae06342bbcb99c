/* XML namespaces and fixed protocol strings shared by cardxd and cardx. */
#ifndef CARDX_XEP_NS_H
#define CARDX_XEP_NS_H

#define NS_STREAMS "http://etherx.jabber.org/streams"
#define NS_COMPONENT "jabber:component:accept"
#define NS_CLIENT "jabber:client"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"
#define NS_XML "http://www.w3.org/XML/1998/namespace"

#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define NS_PING "urn:xmpp:ping"
#define NS_VERSION "jabber:iq:version"
#define NS_REGISTER "jabber:iq:register"
#define NS_DATA "jabber:x:data"
#define NS_VCARD "vcard-temp"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_DELAY "urn:xmpp:delay"
#define NS_COMMANDS "http://jabber.org/protocol/commands"
#define NS_GATEWAY "jabber:iq:gateway"
#define NS_PRIVILEGE1 "urn:xmpp:privilege:1"
#define NS_PRIVILEGE2 "urn:xmpp:privilege:2"
#define NS_FORWARD "urn:xmpp:forward:0"
#define NS_BLOCKING "urn:xmpp:blocking"
#define NS_BLOCKING_ERRORS "urn:xmpp:blocking:errors"

/* The cardx namespace: only what no standard XEP covers (see xep/cardx.md). */
#define NS_CARDX "urn:cardx:0"

#endif
