#!/bin/sh
# Runs tests/integration/test_instances with ejabberd, the server that lets
# several cardxd instances attach to one component domain.
CARDX_SERVER=ejabberd
export CARDX_SERVER
exec "${CARDX_BUILDDIR:-.}/tests/integration/test_instances" "$@"
