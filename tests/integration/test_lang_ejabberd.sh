#!/bin/sh
# Runs tests/integration/test_lang with ejabberd instead of Prosody as the server.
CARDX_SERVER=ejabberd
export CARDX_SERVER
exec "${CARDX_BUILDDIR:-.}/tests/integration/test_lang" "$@"
