#!/bin/sh
# A [verify] command for trying cardx without an SMS gateway: instead of
# sending the one-time code by text message, it prints it, and cardxd writes
# what its command prints into its log. Never use it for a real service:
# whoever reads the log could claim any number.
#
#   [verify]
#   method = command
#   command = /path/to/cardx/scripts/send-code-log.sh
#
# cardxd runs it without a shell as: send-code-log.sh NUMBER CODE
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 NUMBER CODE" >&2
    exit 2
fi
echo "cardx code for $1: $2"
