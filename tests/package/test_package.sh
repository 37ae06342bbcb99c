#!/bin/bash
# The Debian packages as an admin gets them: builds cardxd and cardx from a
# clean copy of the tree, runs lintian, installs them (nothing starts:
# policy-rc.d), checks the unit, then follows docs/ADMIN.md's "Install
# from the package" checklist against a throwaway Prosody close to Debian's
# stock one (prosody-stock.sh: TLS with a generated certificate, accounts
# by invitation or prosodyctl only): accounts made with prosodyctl, the
# component in a conf.d file and a restart, the edits, `cardxd -t` and
# cardxd as the packaged user with the packaged paths; the installed cardx
# logs in, registers and exchanges a card over TLS (--cafile). Then purges
# and checks nothing is left. Needs root (dpkg -i, the system user). Prints
# one pass/fail line.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
prosody_sh=$top/tests/integration/servers/prosody-stock.sh
domain=cardx.test
component=cards.$domain
alice_phone=+8613800138000
bob_phone=+8613900139000
# As cardx shows them (international format).
alice_shown="+86 138 0013 8000"
bob_shown="+86 139 0013 9000"
conf=/etc/cardxd/cardxd.conf
state=/var/lib/cardxd
work=
cardxd_pid=
notify_pid=
installed=

say() { echo "test_package: $*"; }
fail() {
    echo "test_package: FAIL: $*" >&2
    exit 1
}

die() { fail "$@"; }
# shellcheck source=tests/integration/servers/lib.sh
. "$top/tests/integration/servers/lib.sh"

# A port nothing listens on, among the unprivileged ones.
free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        port_open "$port" || { echo "$port"; return 0; }
    done
    fail "no free port found"
}

# Runs a command as the packaged user, in this process (setpriv execs:
# signals reach the command itself, unlike runuser's session).
as_cardxd() {
    setpriv --reuid=cardxd --regid=cardxd --init-groups "$@"
}

purge_packages() {
    dpkg --purge cardx cardxd libcardx-dev libcardx0 cardx-common \
        >"$work/purge.log" 2>&1 ||
        { cat "$work/purge.log" >&2; return 1; }
}

# Stops what this test started, whatever happened, and purges the
# packages it installed.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -z "$notify_pid" ] || kill "$notify_pid" 2>/dev/null || true
    if [ -n "$cardxd_pid" ]; then
        kill -TERM "$cardxd_pid" 2>/dev/null || true
        wait "$cardxd_pid" 2>/dev/null || true
    fi
    [ -z "$work" ] || [ ! -d "$work/prosody" ] ||
        "$prosody_sh" stop "$work/prosody" >/dev/null 2>&1 || true
    if [ -n "$installed" ]; then
        purge_packages || true
    fi
    if [ "$status" -eq 0 ]; then
        rm -rf "$work"
        say "passed"
    else
        [ -z "$work" ] || say "logs kept in $work"
        say "failed"
    fi
    exit "$status"
}

[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg -i, a system user)"
for tool in dpkg-buildpackage lintian systemd-analyze setpriv runuser prosody \
    prosodyctl openssl; do
    command -v "$tool" >/dev/null ||
        fail "$tool is missing: run scripts/install-deps.sh"
done
if dpkg-query -W -f='${Status}' cardxd cardx 2>/dev/null | grep -q installed ||
    getent passwd cardxd >/dev/null || [ -e "$state" ] || [ -e /etc/cardxd ]; then
    fail "cardxd or cardx is installed here already (or its user, $state or" \
        "/etc/cardxd is left): this test installs and purges its own;" \
        "remove them (dpkg --purge cardxd cardx) or set CARDX_SKIP_PACKAGE=1"
fi
[ -x /usr/sbin/policy-rc.d ] ||
    fail "/usr/sbin/policy-rc.d is missing: scripts/install-deps.sh writes it"

work=$(mktemp -d /tmp/cardx-package-XXXXXX)
chmod 755 "$work"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Build from the files git knows (tracked, or new and not ignored), so
#    that build directories and run/ in the work tree are not packaged.
src=$work/src/cardx
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -co --exclude-standard -z |
        tar --null -T - -cf -) | tar -xf - -C "$src"
else
    fail "$top is not a git work tree: cannot tell sources from build products"
fi
say "building the packages (log: $work/build.log)"
# The unit tests ran before this step (scripts/test.sh): nocheck here.
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
    { tail -n 40 "$work/build.log" >&2; fail "dpkg-buildpackage failed"; }
changes=$(ls "$work"/src/cardx_*.changes)
debs="$(ls "$work"/src/cardxd_*.deb) $(ls "$work"/src/cardx_*.deb)
 $(ls "$work"/src/cardx-common_*.deb) $(ls "$work"/src/libcardx0_*.deb)
 $(ls "$work"/src/libcardx-dev_*.deb)"

# 2. lintian: errors fail, warnings are shown.
lintian --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
! grep -q '^E: ' "$work/lintian.log" || fail "lintian reports errors"

# 3. Install: nothing may start, the conffile must be private to root and
#    the cardxd group, the user must have no shell.
installed=yes
# shellcheck disable=SC2086
dpkg -i $debs >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "dpkg -i failed"; }
for bin in /usr/sbin/cardxd /usr/bin/cardx; do
    [ -x "$bin" ] || fail "$bin not installed"
done
# The Chinese catalog both programs read, where cardxd's default
# [language] locale_dir and cardx's bindtextdomain() look.
catalog=/usr/share/locale/zh_CN/LC_MESSAGES/cardx.mo
[ -f "$catalog" ] || fail "$catalog not installed"
# Listed rather than looked for: minimal images exclude /usr/share/man.
for page in /usr/share/man/man8/cardxd.8.gz /usr/share/man/man5/cardxd.conf.5.gz \
    /usr/share/man/man1/cardx.1.gz; do
    dpkg -S "$page" >/dev/null 2>&1 || fail "$page is in no package"
done
# The files the man pages point to are where they say.
named=0
for doc in $(dpkg-deb --fsys-tarfile "$work"/src/cardxd_*.deb |
    tar -xOf - ./usr/share/man/man5/cardxd.conf.5.gz ./usr/share/man/man8/cardxd.8.gz |
    zcat | grep -o '/usr/share/doc/[A-Za-z0-9_./-]*' | sed 's/\.$//' | sort -u); do
    dpkg -S "$doc" >/dev/null 2>&1 || fail "the man pages name $doc, which no package has"
    named=$((named + 1))
done
[ "$named" -ge 2 ] || fail "the man pages name $named files under /usr/share/doc, not 2"
[ "$(stat -c '%a %U:%G' "$conf")" = "640 root:cardxd" ] ||
    fail "$conf is $(stat -c '%a %U:%G' "$conf"), not 640 root:cardxd"
[ "$(stat -c '%a %U:%G' "$state")" = "700 cardxd:cardxd" ] ||
    fail "$state is $(stat -c '%a %U:%G' "$state"), not 700 cardxd:cardxd"
IFS=: read -r _ _ _ _ _ home shell <<<"$(getent passwd cardxd)"
[ "$home" = "$state" ] || fail "cardxd's home is $home, not $state"
case $shell in */nologin | */false) ;; *) fail "cardxd has a login shell: $shell" ;; esac
! pgrep -u cardxd >/dev/null || fail "something runs as cardxd after install"

# 4. The unit is valid and its sandbox scores as documented.
unit=/lib/systemd/system/cardxd.service
# --man=no: whether man finds the pages depends on the machine, not the unit.
systemd-analyze verify --man=no "$unit" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify $unit"; }
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
    sed -n 's/.*Overall exposure level for cardxd.service: //p')
say "systemd-analyze security: ${score:-unavailable}"

# 5. The shipped configuration is refused (secret and method unset), with
#    EX_CONFIG so that the unit does not restart it.
#    The command is the guide's (step 5), as is the message.
status=0
runuser -u cardxd -- cardxd -t -c "$conf" >"$work/refused.log" 2>&1 ||
    status=$?
[ "$status" -eq 78 ] || { cat "$work/refused.log" >&2; fail "the shipped config gave status $status, not 78"; }
grep -qF "missing required key 'secret' in [component]" "$work/refused.log" ||
    { cat "$work/refused.log" >&2; fail "the refusal is not the one ADMIN.md shows"; }

# 6. The admin's Prosody, stock-like, configured before cardx is there
#    (no component: CARDX_STOCK_COMPONENT=none); its accounts made with
#    prosodyctl, as the server registers by invitation only (section 6);
#    then ADMIN.md steps 3 and 4: the component in a conf.d file of its
#    own, Prosody started (the guide's restart: it opens no component
#    port without a component, so it runs from here on), the edits to the
#    packaged config.
export CARDX_STOCK_COMPONENT=none
c2s=$(free_port)
comp=$(free_port)
[ "$c2s" != "$comp" ] || comp=$((c2s + 1))
pdir=$work/prosody
# A secret made as the guide says (prosody.sh also wants one, unused).
secret=$(openssl rand -hex 24)
"$prosody_sh" config "$pdir" "$c2s" "$comp" "$domain" "$component" \
    "$secret" >>"$work/prosody-start.log" 2>&1 ||
    { cat "$work/prosody-start.log" >&2; fail "the test Prosody's config failed"; }
grep -q '^Include "conf.d/\*.cfg.lua"$' "$pdir/prosody.cfg.lua" ||
    fail "the test Prosody does not include conf.d as Debian's does"
for user in alice bob; do
    timeout 30 prosodyctl --config "$pdir/prosody.cfg.lua" \
        register "$user" "$domain" "$user-pw" </dev/null >>"$work/prosodyctl.log" 2>&1 ||
        { cat "$work/prosodyctl.log" >&2; fail "prosodyctl register $user $domain"; }
done
printf 'Component "%s"\n\tcomponent_secret = "%s"\n' "$component" "$secret" \
    >"$pdir/conf.d/$component.cfg.lua"
"$prosody_sh" start "$pdir" "$c2s" "$comp" "$domain" "$component" \
    "$secret" >>"$work/prosody-start.log" 2>&1 ||
    { cat "$work/prosody-start.log" >&2; fail "Prosody did not start"; }
sed -i -e "s/^domain = .*/domain = $component/" \
    -e "s/^#secret =.*/secret = $secret/" \
    -e "s/^;port = .*/port = $comp/" \
    -e "s/^#method = .*/method = none/" "$conf"
[ "$(stat -c '%a %U:%G' "$conf")" = "640 root:cardxd" ] ||
    fail "editing $conf left it $(stat -c '%a %U:%G' "$conf"), not 640 root:cardxd"
runuser -u cardxd -- cardxd -t -c "$conf" >"$work/check.log" 2>&1 ||
    { cat "$work/check.log" >&2; fail "cardxd -t refuses the edited config"; }
grep -qF "configuration OK" "$work/check.log" ||
    { cat "$work/check.log" >&2; fail "cardxd -t did not say configuration OK"; }

# 7. cardxd as the packaged user, from a permissive umask it must not keep,
#    telling a stand-in for systemd's notify socket what it does.
python3 - "$work/notify.sock" "$work/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode() + "\n")
PY
notify_pid=$!
for _ in $(seq 50); do
    [ -S "$work/notify.sock" ] && break
    sleep 0.1
done
(cd "$state" && umask 022 && export NOTIFY_SOCKET="$work/notify.sock" &&
    exec setpriv --reuid=cardxd --regid=cardxd --init-groups \
        /usr/sbin/cardxd -c "$conf") >"$work/cardxd.log" 2>&1 &
cardxd_pid=$!
for _ in $(seq 100); do
    grep -q "component link up" "$work/cardxd.log" && break
    kill -0 "$cardxd_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q "component link up" "$work/cardxd.log" ||
    { cat "$work/cardxd.log" >&2; fail "cardxd did not attach within 10 s"; }
for _ in $(seq 50); do
    grep -q "^READY=1" "$work/notify.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "^READY=1" "$work/notify.log" 2>/dev/null ||
    { cat "$work/notify.log" >&2; fail "cardxd did not tell systemd READY=1"; }
grep -q "^STATUS=component link up: attached as $component" "$work/notify.log" ||
    fail "no link-up status line for systemd"

# 8. Alice and Bob, each with the installed client, exchange a card over
#    TLS: register logs in to the existing account (the server would
#    create none) and keeps the CA file for the later commands.
cardx_as() {
    local user=$1
    shift
    mkdir -p "$work/$user"
    CARDX_PASSWORD=$user-pw CARDX_SYNC_QUIET_MS=700 timeout 60 /usr/bin/cardx \
        --config="$work/$user/cardx.conf" --data-dir="$work/$user/data" "$@" \
        </dev/null >"$work/$user/last.out" 2>&1
}
expect() {
    local user=$1 want=$2
    shift 2
    local status=0
    cardx_as "$user" "$@" || status=$?
    [ "$status" -eq 0 ] ||
        { cat "$work/$user/last.out" >&2; fail "cardx $*: status $status"; }
    grep -qF -- "$want" "$work/$user/last.out" ||
        { cat "$work/$user/last.out" >&2; fail "cardx $* did not say '$want'"; }
}
register_as() {
    local user=$1 phone=$2 shown=$3
    expect "$user" "registered $shown" --jid="$user@$domain" \
        --server="127.0.0.1:$c2s" --cafile="$pdir/certs/domain.crt" \
        register --phone "$phone"
    ! grep -q "created account" "$work/$user/last.out" ||
        fail "cardx created $user's account: the server registers by invitation only"
}
register_as alice "$alice_phone" "$alice_shown"
register_as bob "$bob_phone" "$bob_shown"
expect alice "saved and uploaded" card set "name=Alice Wang" "org=Packaged Ltd"
expect alice "queued: card card-" send "$bob_phone" --note "from the package test"
expect bob "1 new card" sync
expect bob "Alice Wang, Packaged Ltd" inbox list
expect bob "from the package test" inbox list

# 9. What cardxd wrote is cardxd's alone.
db=$state/cardxd.sqlite
[ -f "$db" ] || fail "no database at $db"
for f in "$db" "$db"-*; do
    [ -e "$f" ] || continue
    [ "$(stat -c '%a %U' "$f")" = "600 cardxd" ] ||
        fail "$f is $(stat -c '%a %U' "$f"), not 600 cardxd"
done
kill -TERM "$cardxd_pid"
wait "$cardxd_pid" || fail "cardxd did not stop cleanly on TERM"
cardxd_pid=
grep -q "^STOPPING=1" "$work/notify.log" || fail "cardxd did not tell systemd STOPPING=1"

# 10. Remove keeps the data; purge leaves nothing.
dpkg --remove cardxd >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg --remove cardxd"; }
[ -f "$db" ] || fail "dpkg --remove deleted the database"
getent passwd cardxd >/dev/null || fail "dpkg --remove deleted the user"
purge_packages || fail "dpkg --purge failed"
installed=
for path in /usr/sbin/cardxd /usr/bin/cardx /etc/cardxd "$state" "$unit" \
    /usr/share/man/man8/cardxd.8.gz /usr/share/doc/cardxd "$catalog"; do
    [ ! -e "$path" ] || fail "$path is left after purge"
done
! getent passwd cardxd >/dev/null || fail "the user cardxd is left after purge"
! getent group cardxd >/dev/null || fail "the group cardxd is left after purge"
