# Shell helpers shared by prosody.sh and ejabberd.sh (sourced; each script
# defines die() first). Every wait is bounded.

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Dies unless $2 is a TCP port number ($1 names it in the message).
check_port() {
    case $2 in
    '' | *[!0-9]*) die "bad $1: '$2'" ;;
    esac
    [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "bad $1: '$2'"
}

# Prints the pid in file $1 if that process is alive; false otherwise.
pidfile_running() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

# Stops the process of pid file $2 ($1 names it in messages): TERM, up to
# $3 tenths of a second, then KILL; removes the pid file. False when it was
# not running (nothing to wait for then).
pidfile_stop() {
    local name=$1 file=$2 tenths=$3 pid
    if ! pid=$(pidfile_running "$file"); then
        rm -f "$file"
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$tenths" -gt 0 ]; do
        sleep 0.1
        tenths=$((tenths - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$name (pid $pid) ignored TERM; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

# Waits up to 5 s for each port to close (sockets close as the process
# exits); dies when one stays open.
wait_ports_closed() {
    local port tenths
    for port in "$@"; do
        tenths=50
        while port_open "$port"; do
            [ "$tenths" -gt 0 ] || die "port 127.0.0.1:$port still open"
            tenths=$((tenths - 1))
            sleep 0.1
        done
    done
}
