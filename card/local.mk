# card/: business cards in their two forms (libcard): vcard-temp stanzas
# (XEP-0054) with the field model, and vCard 3.0/4.0 text (RFC 6350) for
# import and export.
noinst_LTLIBRARIES += card/libcard.la
card_libcard_la_SOURCES = card/vcard.h card/vcard.c \
	card/vcardtext.h card/vcardtext.c
