#!/bin/sh
# Runs tests/integration/test_client_e2e with ejabberd instead of Prosody as the server.
CARDX_SERVER=ejabberd
export CARDX_SERVER
exec "${CARDX_BUILDDIR:-.}/tests/integration/test_client_e2e" "$@"
