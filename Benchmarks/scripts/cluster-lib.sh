# cluster-lib.sh: what etcd-cluster.sh and raftd-cluster.sh share (sourced by both, not run).

# True when something listens on TCP port $1 of 127.0.0.1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a TCP port that is free now (the kernel's pick), avoiding the ports in $taken.
free_port() {
    local port
    while :; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        case " $taken " in *" $port "*) continue ;; esac
        echo "$port"
        return
    done
}

# Replaces, in the arrays named by the arguments (same length each), every port that is in use by a
# free one; the ports chosen never repeat.
choose_ports() {
    taken=""
    local count i name
    local -n first_array=$1
    count=${#first_array[@]}
    for ((i = 0; i < count; i++)); do
        for name in "$@"; do
            local -n ports=$name
            if port_in_use "${ports[$i]}"; then ports[$i]=$(free_port); fi
            taken="$taken ${ports[$i]}"
            unset -n ports
        done
    done
}

# Stops the processes whose pids $dir/NAME.pid files hold, for each NAME after the first three
# arguments: LABEL (for messages), NOUN (what a process is, plural) and GRACE (seconds before
# SIGKILL). Only a process whose command line still names its data directory $dir/NAME is signalled
# (pids get reused). Sends SIGTERM, waits up to GRACE seconds, then SIGKILLs what is left; removes
# the pid files.
stop_pidfiles() {
    local label=$1 noun=$2 grace=$3
    shift 3
    local pids=() name file pid
    for name in "$@"; do
        file="$dir/$name.pid"
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/$name"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
        rm -f "$file"
    done
    local deadline=$((SECONDS + grace))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do
            if [ $SECONDS -ge $deadline ]; then
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
        done
    done
    [ ${#pids[@]} -eq 0 ] || echo "$label: stopped ${#pids[@]} $noun of $dir" >&2
}
