# xep/: the stanza code cardxd and cardx share (libxep): the incremental
# stream parser, the component handshake and stanza helpers; and the
# written protocol, cardx.md. XEP_LIBS brings the card and common libraries
# too, in link order.
noinst_LTLIBRARIES += xep/libxep.la
xep_libxep_la_SOURCES = xep/ns.h xep/handshake.h xep/handshake.c \
	xep/stanza.h xep/stanza.c xep/xmlstream.h xep/xmlstream_int.h \
	xep/xmlstream.c xep/xmlstream_build.c \
	xep/form.h xep/form.c xep/disco.h xep/disco.c
XEP_LIBS = card/libcard.la xep/libxep.la common/libcommon.la \
	$(STROPHE_LIBS) $(EXPAT_LIBS)
dist_doc_DATA += xep/cardx.md
