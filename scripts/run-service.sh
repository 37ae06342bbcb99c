#!/bin/bash
# Runs cardx to try it: a throwaway loopback Prosody plus cardxd, until Ctrl-C.
#
# Installs the dependencies, builds into ./build (BUILD_DIR overrides), then
# starts Prosody for the domain "localhost" (c2s on 127.0.0.1:5222, component
# port 127.0.0.1:5347; CARDX_C2S_PORT and CARDX_COMPONENT_PORT override) and
# cardxd as the component "cards.localhost" in the foreground. Everything
# lives in ./run/service, wiped at each start; Ctrl-C (or SIGTERM) stops
# cardxd, then Prosody. Accounts are created by in-band registration from
# any XMPP client, or with the command printed at startup. Registering a
# phone number takes the one-time code that cardxd logs (send-code-log.sh
# stands in for an SMS gateway).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
run=$top/run/service
prosody_sh=$top/tests/integration/servers/prosody.sh
c2s_port=${CARDX_C2S_PORT:-5222}
component_port=${CARDX_COMPONENT_PORT:-5347}
domain=localhost
component=cards.localhost
cardxd_pid=

die() {
    echo "run-service: $*" >&2
    exit 1
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Stops a cardxd whose pid is in file $1: TERM, up to 10 s, then KILL.
stop_cardxd() {
    local pid tenths=100
    pid=$(cat "$1" 2>/dev/null) || return 0
    case $pid in '' | *[!0-9]*) return 0 ;; esac
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ "$tenths" -gt 0 ]; do
        sleep 0.1
        tenths=$((tenths - 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$1"
}

cleanup() {
    trap - EXIT INT TERM HUP
    [ -d "$run" ] || return 0
    stop_cardxd "$run/cardxd.pid"
    # Reap it, so its exit message shows before Prosody's stop.
    [ -z "$cardxd_pid" ] || wait "$cardxd_pid" 2>/dev/null || true
    "$prosody_sh" stop "$run" || true
    echo "run-service: stopped (logs in $run)"
}

"$top/scripts/install-deps.sh"
BUILD_DIR=$build "$top/scripts/build.sh"
cardxd=$build/component/cardxd
[ -x "$cardxd" ] || die "no $cardxd after the build"

# A previous run killed hard may have left its servers running.
if [ -d "$run" ]; then
    stop_cardxd "$run/cardxd.pid"
    "$prosody_sh" stop "$run" ||
        die "could not stop the Prosody of a previous run"
fi
for port in "$c2s_port" "$component_port"; do
    if port_open "$port"; then
        die "127.0.0.1:$port is already in use (another XMPP server?); stop" \
            "it, or pick other ports with CARDX_C2S_PORT / CARDX_COMPONENT_PORT"
    fi
done
rm -rf "$run"
mkdir -p "$run"

secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
cat >"$run/cardxd.conf" <<EOF
; written by scripts/run-service.sh for this run only
[component]
domain = $component
secret = $secret
host = 127.0.0.1
port = $component_port
reconnect_min = 200
reconnect_max = 5000

[storage]
database = $run/cardxd.sqlite

[verify]
; Registering a number asks for a code sent to it; here it is not texted
; but printed in cardxd's log below, so the whole flow can be tried.
method = command
command = $top/scripts/send-code-log.sh

[language]
; The catalogs the build made (not installed): Chinese clients get Chinese.
locale_dir = $build/po/locale

[log]
level = info
EOF
chmod 600 "$run/cardxd.conf"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
"$prosody_sh" start "$run" "$c2s_port" "$component_port" "$domain" \
    "$component" "$secret"

echo "cardx is running: connect an XMPP client to 127.0.0.1:$c2s_port as" \
    "USER@$domain (create accounts by in-band registration from the client," \
    "or with: $prosody_sh register $run USER $domain PASSWORD)," \
    "the card service is $component; the codes that prove phone numbers" \
    "appear below as 'cardx code for NUMBER: CODE'; press Ctrl-C to stop."

# In the background only so that a signal to this script is handled at
# once; its output still goes to this terminal.
"$cardxd" -c "$run/cardxd.conf" &
cardxd_pid=$!
echo "$cardxd_pid" >"$run/cardxd.pid"
status=0
wait "$cardxd_pid" || status=$?
cardxd_pid=
rm -f "$run/cardxd.pid"
echo "run-service: cardxd exited with status $status" >&2
exit "$status"
