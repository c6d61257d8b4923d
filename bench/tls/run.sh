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
# Env: DURATION (5), RUNS (1), WORKERS (1), CLIENTS (2), KEEP (keep the temp dir).
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

c_port=$(free_port)
CORTEX_LOG_ACCESS=false "$bin" serve --host 127.0.0.1 --port "$c_port" --threads "$workers" \
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
nginx -c "$tmp/nginx.conf" -g 'daemon off;' >nginx.out 2>&1 & pids+=($!)
wait_port "$c_port"; wait_port "$n_port"

run() { # port version [-r] -> "rate resumed failed"
    local out
    out=$("$tmp/hsbench" 127.0.0.1 "$1" -t "$clients" -d "$dur" -v "$2" ${3:-}) || true
    awk '{print $6+0, $8, $10}' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "# new TLS connections/s: hsbench -t $clients -d $dur (server workers: $workers), one GET each, median of $runs"
printf '%-5s %-8s %12s %12s %7s   %s\n' tls mode cortex nginx ratio "resumed (cortex/nginx), failed; runs"
for v in 1.3 1.2; do
    for mode in full resumed; do
        flag=""; [[ $mode == resumed ]] && flag=-r
        crs=() nrs=() cres=0 nres=0 cf=0 nf=0
        for _ in $(seq "$runs"); do
            read -r cr c_res c_f < <(run "$c_port" "$v" $flag)
            read -r nr n_res n_f < <(run "$n_port" "$v" $flag)
            crs+=("$cr") nrs+=("$nr")
            cres=$((cres + c_res)) nres=$((nres + n_res)) cf=$((cf + c_f)) nf=$((nf + n_f))
        done
        cm=$(printf '%s\n' "${crs[@]}" | median)
        nm=$(printf '%s\n' "${nrs[@]}" | median)
        ratio=$(awk -v a="$cm" -v b="$nm" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
        printf '%-5s %-8s %10s/s %10s/s %7s   %s/%s, %s/%s; cortex %s, nginx %s\n' "$v" "$mode" \
            "$cm" "$nm" "$ratio" "$cres" "$nres" "$cf" "$nf" "${crs[*]}" "${nrs[*]}"
    done
done
