# vcard.mk: rules for this feature's sources and tests (see the owning module).
