#!/usr/bin/env bash
# raftd-cluster.sh: a three-node raftd cluster on loopback, started the way ../shared/API.md's command
# line defines it, for cluster-bench.
#
#   raftd-cluster.sh start DIR   start node01 (bootstraps), then node02 and node03 (-join node01), data
#                                under DIR/nodeNN; wait until every node's /status names a leader;
#                                print the HTTP endpoints (HOST:PORT,HOST:PORT,HOST:PORT)
#   raftd-cluster.sh stop DIR    stop the nodes started with DIR (only those: by the pids in DIR)
#   raftd-cluster.sh status DIR  print each node's /status
#
# HTTP ports 7200-7202 and Raft ports 8200-8202 when free, otherwise free ports picked at start.
# DIR keeps each node's data (DIR/nodeNN), log (DIR/nodeNN.log), pid (DIR/nodeNN.pid) and the endpoint
# list (DIR/endpoints). RAFTD_BIN names the binary (default: the root package's release build,
# .build/release/raftd; build it with `swift build -c release --product raftd` in the repository root).
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$(realpath -m "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
RAFTD_BIN=${RAFTD_BIN:-$root/.build/release/raftd}
nodes=(node01 node02 node03)

# shellcheck source=cluster-lib.sh
source "$(dirname "$0")/cluster-lib.sh"

# Prints the leaderAddr field of node $1's /status, or nothing.
leader_of() {
    curl -s --max-time 2 "http://$1/status" 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin).get("leaderAddr") or "")' 2>/dev/null || true
}

start() {
    if [ ! -x "$RAFTD_BIN" ]; then
        echo "raftd-cluster: no raftd binary at $RAFTD_BIN (set RAFTD_BIN, or build it:" \
            "swift build -c release --product raftd)" >&2
        exit 1
    fi
    mkdir -p "$dir"
    for node in "${nodes[@]}"; do
        if [ -f "$dir/$node.pid" ] && kill -0 "$(cat "$dir/$node.pid")" 2>/dev/null; then
            echo "raftd-cluster: nodes of $dir are already running (stop them first)" >&2
            exit 1
        fi
    done
    local http_ports=(7200 7201 7202) raft_ports=(8200 8201 8202)
    choose_ports http_ports raft_ports
    local endpoints="" first="127.0.0.1:${http_ports[0]}"
    for i in 0 1 2; do
        local node=${nodes[$i]} join=()
        endpoints="${endpoints:+$endpoints,}127.0.0.1:${http_ports[$i]}"
        # A fresh cluster each start.
        rm -rf "${dir:?}/$node"
        [ "$i" -eq 0 ] || join=(-join "$first")
        setsid "$RAFTD_BIN" -id "$node" -haddr "127.0.0.1:${http_ports[$i]}" -raddr "127.0.0.1:${raft_ports[$i]}" \
            "${join[@]}" "$dir/$node" </dev/null >>"$dir/$node.log" 2>&1 &
        echo $! >"$dir/$node.pid"
        # The first node must lead before the others ask to join.
        local deadline=$((SECONDS + 30))
        until [ -n "$(leader_of "127.0.0.1:${http_ports[$i]}")" ]; do
            if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$dir/$node.pid")" 2>/dev/null; then
                echo "raftd-cluster: $node (127.0.0.1:${http_ports[$i]}) has no leader after 30 s;" \
                    "log in $dir/$node.log" >&2
                stop
                exit 1
            fi
            sleep 0.2
        done
    done
    echo "$endpoints" >"$dir/endpoints"
    echo "raftd-cluster: 3 nodes up, leader $(leader_of "$first")" >&2
    echo "$endpoints"
}

stop() {
    stop_pidfiles raftd-cluster "node(s)" 15 "${nodes[@]}"
}

status() {
    [ -f "$dir/endpoints" ] || {
        echo "raftd-cluster: no cluster in $dir" >&2
        exit 1
    }
    local endpoints
    endpoints=$(cat "$dir/endpoints")
    for endpoint in ${endpoints//,/ }; do
        echo "$endpoint $(curl -s --max-time 2 "http://$endpoint/status" || echo unreachable)"
    done
}

case "$command" in
start) start ;;
stop) stop ;;
status) status ;;
*) usage ;;
esac
