#!/bin/sh
# Runs tests/integration/test_libcardx.sh with ejabberd instead of Prosody as the server.
CARDX_SERVER=ejabberd
export CARDX_SERVER
exec "${CARDX_SRCDIR:-..}/tests/integration/test_libcardx.sh" "$@"
