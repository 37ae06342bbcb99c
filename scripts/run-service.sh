#!/bin/sh
# Starts a throwaway Prosody on loopback with cardxd attached (filled in with the harness).
echo "run-service: not yet available" >&2
exit 1
