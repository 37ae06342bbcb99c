# po/: the translations of both programs' messages (gettext, domain cardx).
# msgfmt builds each po/LL.po into po/locale/LL/LC_MESSAGES/cardx.mo, the
# layout cardxd's [language] locale_dir and the client's bindtextdomain()
# expect, so the build tree serves as a locale directory for the tests.
# A new language: its LL.po, its name in po/LINGUAS and PO_LANGS, and its
# lines below as zh_CN has them.
# `make update-po` extracts the marked strings of POTFILES into cardx.pot
# and merges them into every LL.po.
PO_LANGS = zh_CN
EXTRA_DIST += po/LINGUAS po/POTFILES po/cardx.pot po/zh_CN.po
CLEANFILES += po/locale/zh_CN/LC_MESSAGES/cardx.mo

zh_CNmodir = $(localedir)/zh_CN/LC_MESSAGES
nodist_zh_CNmo_DATA = po/locale/zh_CN/LC_MESSAGES/cardx.mo

po/locale/zh_CN/LC_MESSAGES/cardx.mo: po/zh_CN.po
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	$(MSGFMT) --check-format -o $@.tmp $< && mv $@.tmp $@

# cardxd's texts go through service_error(), the outcome and ad-hoc note
# helpers and service_tr(); the program's through _() (dgettext);
# libcardx's and its session's through lib_set_err(), lib_tr(),
# session_set_err() and session_tr() (its lang setting).
XGETTEXT_KEYWORDS = --keyword=_ --keyword=N_ --keyword=P_:1,2 \
	--keyword=cmd_fail:3 --keyword=usage_error:1 --flag=cmd_fail:3:c-format \
	--flag=usage_error:1:c-format --keyword=service_tr:2 \
	--keyword=service_tr_lang:3 --keyword=service_error:5 \
	--keyword=adhoc_done:5 --keyword=adhoc_error:6 --keyword=send_fail:5 \
	--keyword=form_add_head:3 \
	--keyword=form_add_field:5 --keyword=adhoc_next_stage:6 \
	--flag=service_tr:2:pass-c-format --flag=adhoc_done:5:c-format \
	--keyword=lib_set_err:2 --flag=lib_set_err:2:c-format \
	--keyword=lib_tr:2 --keyword=session_set_err:2 \
	--flag=session_set_err:2:c-format --keyword=session_tr:2
# The command table of client/cli_help.c is read whole (--extract-all): its
# help texts are translated where printed, so the table needs no marks.
update-po:
	cd $(srcdir) && $(XGETTEXT) --from-code=UTF-8 -C $(XGETTEXT_KEYWORDS) \
	  --package-name=cardx --package-version=$(PACKAGE_VERSION) \
	  --msgid-bugs-address= --add-comments=TRANSLATORS: \
	  -f po/POTFILES -o po/cardx.pot.marked && \
	$(XGETTEXT) --from-code=UTF-8 -C --extract-all \
	  --package-name=cardx --package-version=$(PACKAGE_VERSION) \
	  --msgid-bugs-address= -o po/cardx.pot.help client/cli_help.c && \
	sed -i 's/charset=CHARSET/charset=UTF-8/' po/cardx.pot.help && \
	$(MSGCAT) --use-first --to-code=UTF-8 -o po/cardx.pot po/cardx.pot.marked \
	  po/cardx.pot.help && rm -f po/cardx.pot.marked po/cardx.pot.help
	for l in $(PO_LANGS); do \
	  $(MSGMERGE) --quiet --update --backup=none \
	    $(srcdir)/po/$$l.po $(srcdir)/po/cardx.pot || exit 1; \
	done
.PHONY: update-po
