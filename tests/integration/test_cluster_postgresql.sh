#!/bin/sh
# Runs tests/integration/test_cluster with both cardxd instances on one
# throwaway PostgreSQL instead of a shared SQLite file.
CARDX_STORE=postgresql
export CARDX_STORE
exec "${CARDX_BUILDDIR:-.}/tests/integration/test_cluster" "$@"
