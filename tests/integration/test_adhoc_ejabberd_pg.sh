#!/bin/sh
# Runs tests/integration/test_adhoc with ejabberd as the server and cardxd on PostgreSQL.
CARDX_SERVER=ejabberd
CARDX_STORE=postgresql
export CARDX_SERVER CARDX_STORE
exec "${CARDX_BUILDDIR:-.}/tests/integration/test_adhoc" "$@"
