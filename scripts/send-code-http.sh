#!/bin/sh
# A [verify] command that sends the one-time code by text message through a
# generic HTTP SMS gateway (most providers take a POST like this one). cardxd
# runs it without a shell as:
#
#   send-code-http.sh NUMBER CODE      (NUMBER in E.164, e.g. +8613800138000)
#
# and counts the code as sent when it exits with status 0. Whatever it prints
# goes to cardxd's log, so it prints nothing of the code.
#
# Install it readable only by the user cardxd runs as, and set, in the file
# named by SMS_CONFIG (default /etc/cardxd/sms.conf, shell syntax):
#
#   SMS_URL=https://sms.example.com/v1/messages   the gateway's endpoint
#   SMS_TOKEN=...                                 its API key (Bearer token)
#   SMS_FROM=cardx                                the sender name or number
#   SMS_TEXT="Your cardx code is %s"              optional; %s is the code
#
# Adapt the curl line to your provider's API (field names, authentication).
# The curl timeout stays below cardxd's [verify] command_timeout (30s).
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 NUMBER CODE" >&2
    exit 2
fi
number=$1
code=$2
SMS_CONFIG=${SMS_CONFIG:-/etc/cardxd/sms.conf}
# shellcheck disable=SC1090
. "$SMS_CONFIG"
: "${SMS_URL:?SMS_URL is not set in $SMS_CONFIG}"
: "${SMS_TOKEN:?SMS_TOKEN is not set in $SMS_CONFIG}"
: "${SMS_FROM:=cardx}"
: "${SMS_TEXT:=Your cardx code is %s}"
# shellcheck disable=SC2059
text=$(printf "$SMS_TEXT" "$code")

# --fail: an HTTP error is a failed send (exit 22); the response body, which
# may echo the text, is not printed.
curl --silent --show-error --fail --max-time 20 \
    --header "Authorization: Bearer $SMS_TOKEN" \
    --data-urlencode "to=$number" \
    --data-urlencode "from=$SMS_FROM" \
    --data-urlencode "text=$text" \
    --output /dev/null \
    "$SMS_URL"
echo "sent to $number"
