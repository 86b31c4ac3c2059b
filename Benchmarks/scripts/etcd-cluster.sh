#!/usr/bin/env bash
# etcd-cluster.sh: a three-member etcd cluster on loopback, the peer cluster-bench compares raftd with.
#
#   etcd-cluster.sh start DIR   start members m1, m2, m3 with their data under DIR, wait until all three
#                               are healthy, print the client endpoints (HOST:PORT,HOST:PORT,HOST:PORT)
#   etcd-cluster.sh stop DIR    stop the members started with DIR (only those: by the pids in DIR)
#   etcd-cluster.sh status DIR  show each member's health
#
# Client ports 2379, 22379, 32379 and peer ports 2380, 22380, 32380 when free, otherwise free ports
# picked at start. DIR keeps each member's data (DIR/mN), log (DIR/mN.log), pid (DIR/mN.pid), and the
# endpoint list (DIR/endpoints) and JSON gateway prefix (DIR/gateway: /v3 for etcd 3.4, /v3beta for 3.3).
# etcd itself comes from Debian (apt-get install etcd-server); the script installs it when missing.
# Environment: ETCD_BIN (default: etcd from PATH), ETCD_EXTRA_FLAGS (added to every member's command).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$(realpath -m "$2")

# shellcheck source=cluster-lib.sh
source "$(dirname "$0")/cluster-lib.sh"

# Installs etcd from Debian when no etcd binary is found.
ensure_etcd() {
    if [ -n "${ETCD_BIN:-}" ]; then return; fi
    if ! command -v etcd >/dev/null 2>&1; then
        echo "etcd-cluster: installing etcd-server (Debian)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq etcd-server >&2
    fi
    ETCD_BIN=$(command -v etcd)
}

# Prints the JSON gateway prefix that answers on endpoint $1 (/v3 from etcd 3.4 on, /v3beta in 3.3,
# /v3alpha in 3.2), or nothing.
gateway_prefix() {
    local prefix code
    for prefix in /v3 /v3beta /v3alpha; do
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' "http://$1$prefix/maintenance/status" || true)
        if [ "$code" = 200 ]; then
            echo "$prefix"
            return
        fi
    done
}

# True when endpoint $1 answers /health with "health": "true".
healthy() {
    curl -s --max-time 2 "http://$1/health" 2>/dev/null | grep -q '"health": *"true"'
}

start() {
    ensure_etcd
    mkdir -p "$dir"
    local running=0
    for member in m1 m2 m3; do
        if [ -f "$dir/$member.pid" ] && kill -0 "$(cat "$dir/$member.pid")" 2>/dev/null; then running=1; fi
    done
    if [ $running = 1 ]; then
        echo "etcd-cluster: members of $dir are already running (stop them first)" >&2
        exit 1
    fi
    local client_ports=(2379 22379 32379) peer_ports=(2380 22380 32380)
    choose_ports client_ports peer_ports
    local cluster="" endpoints=""
    for i in 0 1 2; do
        cluster="${cluster:+$cluster,}m$((i + 1))=http://127.0.0.1:${peer_ports[$i]}"
        endpoints="${endpoints:+$endpoints,}127.0.0.1:${client_ports[$i]}"
    done
    local token
    token="bench-$(date +%s)-$$"
    for i in 0 1 2; do
        local member="m$((i + 1))"
        # A fresh cluster each start: stale member data would carry another cluster's id.
        rm -rf "${dir:?}/$member"
        # shellcheck disable=SC2086 # ETCD_EXTRA_FLAGS is a list of flags.
        setsid "$ETCD_BIN" \
            --name "$member" \
            --data-dir "$dir/$member" \
            --listen-client-urls "http://127.0.0.1:${client_ports[$i]}" \
            --advertise-client-urls "http://127.0.0.1:${client_ports[$i]}" \
            --listen-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
            --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
            --initial-cluster "$cluster" \
            --initial-cluster-token "$token" \
            --initial-cluster-state new \
            --logger zap --log-outputs "$dir/$member.log" \
            ${ETCD_EXTRA_FLAGS:-} \
            </dev/null >>"$dir/$member.log" 2>&1 &
        echo $! >"$dir/$member.pid"
    done
    echo "$endpoints" >"$dir/endpoints"
    local deadline=$((SECONDS + 60))
    for endpoint in ${endpoints//,/ }; do
        until healthy "$endpoint"; do
            if [ $SECONDS -ge $deadline ]; then
                echo "etcd-cluster: $endpoint not healthy after 60 s; logs in $dir/m*.log" >&2
                stop
                exit 1
            fi
            sleep 0.2
        done
    done
    local prefix
    prefix=$(gateway_prefix "${endpoints%%,*}")
    if [ -z "$prefix" ]; then
        echo "etcd-cluster: no JSON gateway (/v3, /v3beta, /v3alpha) answers on ${endpoints%%,*}" >&2
        stop
        exit 1
    fi
    echo "$prefix" >"$dir/gateway"
    echo "etcd-cluster: $("$ETCD_BIN" --version | head -1), members healthy, gateway $prefix" >&2
    echo "$endpoints"
}

stop() {
    stop_pidfiles etcd-cluster "member(s)" 10 m1 m2 m3
}

status() {
    [ -f "$dir/endpoints" ] || {
        echo "etcd-cluster: no cluster in $dir" >&2
        exit 1
    }
    local endpoints
    endpoints=$(cat "$dir/endpoints")
    for endpoint in ${endpoints//,/ }; do
        if healthy "$endpoint"; then echo "$endpoint healthy"; else echo "$endpoint unhealthy"; fi
    done
}

case "$command" in
start) start ;;
stop) stop ;;
status) status ;;
*) usage ;;
esac
