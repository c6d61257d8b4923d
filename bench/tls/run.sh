#!/usr/bin/env bash
# New TLS connections per second: Cortex against nginx, same certificate
# (ECDSA P-256), same TLS 1.2 cipher list and groups, tickets on both.
#
#   bench/tls/run.sh [CORTEX_BIN]        (default: build/cortex)
#
# The client is bench/tls/hsbench.c (built here with cc): CLIENTS threads,
# each connecting, handshaking, sending one GET /plaintext with
# "Connection: close", reading the answer and closing, for DURATION seconds.
# Four runs per server: TLS 1.3 and 1.2, full handshakes and resumed ones
# (the previous connection's ticket offered each time). Every server gets
# WORKERS worker threads/processes. The last column is Cortex/nginx.
# With RUNS > 1 each row alternates the two servers RUNS times and prints the
# medians (and the ratio of the medians); handshake rates on a VM move by
# 10-15 % from one 5-second run to the next.
# Each run also reads the server's CPU time (user + system, from /proc, its
# worker processes included) and prints the connections it handles per
# second of its own CPU: on a 2-core machine the client's half of each
# handshake (a signature check costs more than the signature) competes for
# the same cores, so the rate alone says as much about the scheduler as about
# the server. "per core-s ratio" is Cortex/nginx on that measure.
# Env: DURATION (5), RUNS (1), WORKERS (1), CLIENTS (2), KEEP (keep the temp dir),
# PIN (e.g. "0 1": client on CPU 0, servers on CPU 1; default: not pinned).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/cortex}
dur=${DURATION:-5}
workers=${WORKERS:-1}
clients=${CLIENTS:-2}
runs=${RUNS:-1}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ -n ${KEEP:-} ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

# Cortex's default TLS 1.2 list (src/http/tls.c) and groups, given to both.
ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
groups="X25519:P-256:P-384"

cc -O2 -o "$tmp/hsbench" "$root/bench/tls/hsbench.c" -lssl -lcrypto -lpthread
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem \
    -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

client_pin=() server_pin=()
if [[ -n ${PIN:-} ]]; then
    read -r cpu_c cpu_s <<<"$PIN"
    client_pin=(taskset -c "$cpu_c") server_pin=(taskset -c "$cpu_s")
fi

c_port=$(free_port)
CORTEX_LOG_ACCESS=false "${server_pin[@]}" "$bin" serve --host 127.0.0.1 --port "$c_port" --threads "$workers" \
    --tls-cert cert.pem --tls-key key.pem --set log.level=warn >cortex.log 2>&1 & pids+=($!)

n_port=$(free_port)
cat > nginx.conf <<CONF
worker_processes $workers;
error_log $tmp/nginx-error.log warn;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$n_port ssl;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers $ciphers;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve $groups;
        ssl_session_tickets on;
        location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
    }
}
CONF
"${server_pin[@]}" nginx -c "$tmp/nginx.conf" -g 'daemon off;' >nginx.out 2>&1 & pids+=($!)
wait_port "$c_port"; wait_port "$n_port"
c_pid=${pids[0]} n_pid=${pids[1]}

# Clock ticks of CPU (user + system) used so far by a process, its threads
# and its child processes (nginx's workers).
cpu_ticks() {
    local t=0 p rest
    for p in "$1" $(pgrep -P "$1"); do
        rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        rest=${rest##*) }
        t=$((t + $(awk '{print $12 + $13}' <<<"$rest")))
    done
    echo "$t"
}
hz=$(getconf CLK_TCK)

run() { # port pid version [-r] -> "rate resumed failed conns-per-server-core-second"
    local out t0 t1
    t0=$(cpu_ticks "$2")
    out=$("${client_pin[@]}" "$tmp/hsbench" 127.0.0.1 "$1" -t "$clients" -d "$dur" -v "$3" ${4:-}) || true
    t1=$(cpu_ticks "$2")
    awk -v ticks=$((t1 - t0)) -v hz="$hz" \
        '{ cps = ticks > 0 ? $2 / (ticks / hz) : 0; printf "%d %d %d %.0f\n", $6, $8, $10, cps }' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "# new TLS connections/s: hsbench -t $clients -d $dur (server workers: $workers${PIN:+, pinned client/server CPUs $PIN}), one GET each, median of $runs"
printf '%-5s %-8s %9s %9s %6s %12s %12s %6s   %s\n' tls mode cortex nginx ratio \
    "cortex/core-s" "nginx/core-s" ratio "resumed (cortex/nginx), failed; runs: rate@conns-per-core-s"
for v in 1.3 1.2; do
    for mode in full resumed; do
        flag=""; [[ $mode == resumed ]] && flag=-r
        crs=() nrs=() ccs=() ncs=() runs_c=() runs_n=() cres=0 nres=0 cf=0 nf=0
        for _ in $(seq "$runs"); do
            read -r cr c_res c_f c_cs < <(run "$c_port" "$c_pid" "$v" $flag)
            read -r nr n_res n_f n_cs < <(run "$n_port" "$n_pid" "$v" $flag)
            crs+=("$cr") nrs+=("$nr") ccs+=("$c_cs") ncs+=("$n_cs")
            runs_c+=("$cr@$c_cs") runs_n+=("$nr@$n_cs")
            cres=$((cres + c_res)) nres=$((nres + n_res)) cf=$((cf + c_f)) nf=$((nf + n_f))
        done
        cm=$(printf '%s\n' "${crs[@]}" | median)
        nm=$(printf '%s\n' "${nrs[@]}" | median)
        ccm=$(printf '%s\n' "${ccs[@]}" | median)
        ncm=$(printf '%s\n' "${ncs[@]}" | median)
        printf '%-5s %-8s %7s/s %7s/s %6s %12s %12s %6s   %s/%s, %s/%s; cortex %s, nginx %s\n' "$v" "$mode" \
            "$cm" "$nm" "$(ratio "$cm" "$nm")" "$ccm" "$ncm" "$(ratio "$ccm" "$ncm")" \
            "$cres" "$nres" "$cf" "$nf" "${runs_c[*]}" "${runs_n[*]}"
    done
done
