#!/bin/sh
# cardxd -t checks what a start would, without a server: a good setup
# passes; a placeholder secret, a database of a newer release and a
# database that cannot be created fail with a clear message; a config file
# others may read passes with a warning; a database that needs migrations
# says so. Runs the built cardxd on files in a temporary directory.
set -u
cardxd=${CARDX_BUILDDIR:-.}/component/cardxd
dir=$(mktemp -d) || exit 1
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
pid=
failed=0

# conf SECRET DATABASE: writes $dir/c.conf, mode 0600.
conf() {
    cat >"$dir/c.conf" <<EOC
[component]
domain = cards.example.test
secret = $1
host = 127.0.0.1
port = 1
[storage]
database = $2
[verify]
method = none
EOC
    chmod 0600 "$dir/c.conf"
}

# expect NAME STATUS TEXT [NOT-TEXT]: runs cardxd -t, wants exit STATUS and
# TEXT in its output (and NOT-TEXT nowhere in it).
expect() {
    "$cardxd" -c "$dir/c.conf" -t >"$dir/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$2" ] || ! grep -qF -- "$3" "$dir/out" ||
        { [ -n "${4:-}" ] && grep -qF -- "$4" "$dir/out"; }; then
        echo "test_check: $1: exit $rc (want $2), output:" >&2
        cat "$dir/out" >&2
        failed=1
    else
        echo "test_check: $1: ok"
    fi
}

db=$dir/cardxd.sqlite
conf 0123456789abcdef "$db"
expect "new database" 0 "configuration OK" "readable by every user"
grep -qF "schema migration" "$dir/out" ||
    { echo "test_check: new database: migrations not announced" >&2; failed=1; }
[ ! -e "$db" ] || { echo "test_check: -t created $db" >&2; failed=1; }

# A database as a start leaves it: cardxd attaches nowhere (port 1) but
# migrates it before it logs that it starts.
"$cardxd" -c "$dir/c.conf" >"$dir/run.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    grep -q "starting" "$dir/run.log" && break
    sleep 0.1
done
kill "$pid"
wait "$pid"
pid=
expect "current database" 0 "configuration OK" "schema migration"

chmod 0644 "$dir/c.conf"
expect "config readable by others" 0 "is readable by every user"

for placeholder in change-me secret; do
    conf "$placeholder" "$db"
    expect "secret $placeholder" 1 "[component] secret is a placeholder"
done

conf 0123456789abcdef "$db"
sqlite3 "$db" "PRAGMA user_version = 9999" || failed=1
expect "newer database" 1 "written by a newer release"

conf 0123456789abcdef "$dir/missing/cardxd.sqlite"
expect "no directory" 1 "cannot create the database: directory $dir/missing"

exit "$failed"
