#!/bin/bash
# A throwaway loopback Prosody close to Debian's stock configuration
# (prosody-stock.cfg.lua.in): the commands and arguments of prosody.sh,
# which does the work; "config" first generates the TLS certificates.
#
# RUNDIR/certs/domain.crt (and .key): self-signed, naming DOMAIN and
# COMP_DOMAIN; clients trust it with it as their CA file (--cafile).
# RUNDIR/certs/host.crt: self-signed, naming only this host, like Debian's
# snakeoil certificate. Prosody serves domain.crt, or host.crt when
# $CARDX_STOCK_CERT is "host" at config time; $CARDX_STOCK_TLS=
# no-shared-cipher makes its TLS agree with no usual client.
#
# RUNDIR/conf.d/ is included at the end of the config, as Debian's
# /etc/prosody/conf.d/; "config" writes the component there,
# conf.d/COMP_DOMAIN.cfg.lua (with mod_privilege when "privileged"),
# unless $CARDX_STOCK_COMPONENT is "none": then the caller writes it, as
# docs/ADMIN.md tells an admin to.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# Short-lived: the certificates live as long as the run directory.
cert_days=2

die() {
    echo "prosody-stock.sh: $*" >&2
    exit 1
}

# Self-signed certificate $2.crt and key $2.key in directory $1 for the
# DNS names $3...
make_cert() {
    local dir=$1 name=$2 cn=$3 san="" n
    shift 2
    for n in "$@"; do san="${san:+$san,}DNS:$n"; done
    [ -s "$dir/$name.crt" ] && [ -s "$dir/$name.key" ] && return 0
    timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -days "$cert_days" \
        -subj "/CN=$cn" -addext "subjectAltName=$san" \
        -keyout "$dir/$name.key" -out "$dir/$name.crt" >/dev/null 2>&1 ||
        die "openssl could not make the $name certificate"
    chmod 600 "$dir/$name.key"
}

config() {
    [ $# -ge 6 ] || die "config needs RUNDIR C2S_PORT COMPONENT_PORT DOMAIN COMP_DOMAIN SECRET"
    local rundir=$1 domain=$4 compdomain=$5 host
    host=$(hostname -f 2>/dev/null || hostname)
    case $host in "$domain" | *."$domain" | "") host=xmpp-host.invalid ;; esac
    mkdir -p "$rundir/certs" "$rundir/conf.d"
    make_cert "$rundir/certs" domain "$domain" "$domain" "$compdomain"
    make_cert "$rundir/certs" host "$host" "$host"
    case ${CARDX_STOCK_COMPONENT:-} in
    none) ;;
    '') write_component "$rundir/conf.d" "$compdomain" "$6" "${7:-}" ;;
    *) die "CARDX_STOCK_COMPONENT: empty or none" ;;
    esac
}

# The component's file in conf.d directory $1: domain $2, secret $3, with
# mod_privilege when $4 is "privileged" (prosody.sh checks the values
# before Prosody reads them).
write_component() {
    local file=$1/$2.cfg.lua
    {
        printf 'Component "%s"\n\tcomponent_secret = "%s"\n' "$2" "$3"
        [ "$4" != privileged ] || printf '\tmodules_enabled = { "privilege" }\n'
    } >"$file.tmp"
    mv "$file.tmp" "$file"
}

command=${1:-}
case $command in
config | start) config "${@:2}" ;;
esac
export PROSODY_TEMPLATE="$here/prosody-stock.cfg.lua.in"
export PROSODY_CERT="${CARDX_STOCK_CERT:-domain}"
case $PROSODY_CERT in domain | host) ;; *) die "CARDX_STOCK_CERT: domain or host" ;; esac
# Only a pre-shared-key cipher: no client with a certificate agrees.
case ${CARDX_STOCK_TLS:-} in
'') ;;
no-shared-cipher)
    export PROSODY_SSL_EXTRA='protocol = "tlsv1_2"; ciphers = "PSK-AES128-CBC-SHA";'
    ;;
*) die "CARDX_STOCK_TLS: empty or no-shared-cipher" ;;
esac
exec /bin/bash "$here/prosody.sh" "$@"
