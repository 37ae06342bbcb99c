# card/: business cards in their two forms (libcard): vcard-temp stanzas
# (XEP-0054) with the field model, and vCard 3.0/4.0 text (RFC 6350) for
# import and export.
noinst_LTLIBRARIES += card/libcard.la
card_libcard_la_SOURCES = card/vcard.h card/vcard_int.h \
	card/vcard_fields.c card/vcard.c card/vcard_build.c card/vcard_xml.c \
	card/vcardtext.h card/vcardtext_int.h card/vcardtext_prop.c \
	card/vcardtext.c card/vcardtext_write.c \
	card/vcard_photo.h card/vcard_photo.c
