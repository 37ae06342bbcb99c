#!/bin/sh
# Installs everything cardx needs to build, run and test on Debian 12 (as root).
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config
 libstrophe-dev libssl-dev libexpat1-dev libsqlite3-dev sqlite3 libinih-dev check
 libphonenumber-dev libmicrohttpd-dev prosody prosody-modules ejabberd python3-slixmpp
 valgrind ca-certificates clang libclang-rt-14-dev
 libqrencode-dev libpng-dev zbar-tools
 libsystemd-dev debhelper dpkg-dev fakeroot lintian systemd git procps gettext
 libglib2.0-dev postgresql libpq-dev erlang-p1-pgsql"

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root (apt-get); try: sudo $0" >&2
    exit 1
fi

# Keep apt from starting system-wide Prosody/ejabberd daemons: the project
# runs its own on loopback. Only written when the admin has none of their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by cardx install-deps: no daemons started by apt\nexit 101\n' \
        > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
echo "install-deps: all packages present"
