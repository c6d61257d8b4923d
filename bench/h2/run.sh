#!/usr/bin/env bash
# HTTP/2 and TLS benchmarks: Cortex against nginx and h2o on this machine.
#
#   bench/h2/run.sh [CORTEX_BIN]        (default: build/cortex)
#
# 1. h2load, 100 connections x 10 concurrent streams, GET of a 13-byte body
#    ("Hello, World!"), over TLS (h2 by ALPN) and over h2c (prior knowledge),
#    DURATION seconds after a warm-up.
#    Each line ends with Cortex's rate divided by that server's.
# New TLS connections per second (full and resumed handshakes, TLS 1.3 and
# 1.2) are measured by bench/tls/run.sh.
#
# Every server gets WORKERS worker threads/processes (default 1) and the
# client one thread, so that on a 2-core machine each side has a core. The
# certificate (ECDSA P-256) is made in a temporary directory; all three
# servers get the same TLS 1.2 cipher list and groups (TLS 1.3 suites are
# OpenSSL's defaults everywhere).
# Env: DURATION (10), WORKERS (1).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/cortex}
dur=${DURATION:-10}
workers=${WORKERS:-1}
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n ${KEEP:-} ]] || rm -rf "$tmp"; [[ -n ${KEEP:-} ]] && echo "kept $tmp" >&2 || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

# Cortex's default TLS 1.2 list (src/http/tls.c) and groups, given to all.
ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
groups="X25519:P-256:P-384"

chmod 755 "$tmp" # h2o drops to nobody after reading its keys
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem \
    -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
mkdir -p www && printf 'Hello, World!' > www/plaintext

# ---- servers ------------------------------------------------------------------
c_tls=$(free_port); c_h2c=$(free_port)
CORTEX_LOG_ACCESS=false "$bin" serve --host 127.0.0.1 --port "$c_tls" --threads "$workers" \
    --tls-cert cert.pem --tls-key key.pem --set log.level=warn >cortex-tls.log 2>&1 & pids+=($!)
CORTEX_LOG_ACCESS=false "$bin" serve --host 127.0.0.1 --port "$c_h2c" --threads "$workers" \
    --set log.level=warn >cortex-h2c.log 2>&1 & pids+=($!)

n_tls=$(free_port); n_h2c=$(free_port)
cat > nginx.conf <<CONF
worker_processes $workers;
error_log $tmp/nginx-error.log warn;
pid $tmp/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    http2_max_concurrent_streams 100;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers $ciphers;
    ssl_prefer_server_ciphers on;
    ssl_ecdh_curve $groups;
    ssl_session_tickets on;
    client_body_temp_path $tmp/nginx-body;
    proxy_temp_path $tmp/nginx-proxy;
    fastcgi_temp_path $tmp/nginx-fcgi;
    uwsgi_temp_path $tmp/nginx-uwsgi;
    scgi_temp_path $tmp/nginx-scgi;
    server {
        listen 127.0.0.1:$n_tls ssl http2;
        ssl_certificate $tmp/cert.pem;
        ssl_certificate_key $tmp/key.pem;
        location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
    }
    server {
        listen 127.0.0.1:$n_h2c http2;
        location /plaintext { default_type text/plain; return 200 "Hello, World!"; }
    }
}
CONF
nginx -c "$tmp/nginx.conf" -g 'daemon off;' >nginx.out 2>&1 & pids+=($!)

o_tls=$(free_port); o_h2c=$(free_port)
cat > h2o.conf <<CONF
num-threads: $workers
access-log: /dev/null
listen:
  host: 127.0.0.1
  port: $o_tls
  ssl:
    certificate-file: $tmp/cert.pem
    key-file: $tmp/key.pem
    cipher-suite: $ciphers
    ocsp-update-interval: 0
listen:
  host: 127.0.0.1
  port: $o_h2c
hosts:
  default:
    paths:
      /:
        file.dir: $tmp/www
CONF
h2o -c h2o.conf >h2o.out 2>&1 & pids+=($!)

for p in $c_tls $c_h2c $n_tls $n_h2c $o_tls $o_h2c; do wait_port "$p"; done

# ---- h2load ----------------------------------------------------------------------
cortex_rps=0
h2bench() { # name url mode
    local out
    out=$(h2load -t 1 -c 100 -m 10 -D "$dur" --warm-up-time=2 "$2" 2>&1)
    local rps ok ratio
    rps=$(awk '/^finished in/ {for (i=1;i<=NF;i++) if ($i ~ /req\/s/) print $(i-1)}' <<<"$out")
    ok=$(awk '/^status codes:/ {print $3}' <<<"$out")
    rps=${rps:-0}
    if [[ $1 == cortex ]]; then cortex_rps=$rps; ratio="1.00"; else
        ratio=$(awk -v a="$cortex_rps" -v b="$rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    fi
    printf '%-8s %-5s %12s req/s   (2xx: %s)   cortex/%s: %s\n' "$1" "$3" "$rps" "$ok" "$1" "$ratio"
}

echo "# h2load -t 1 -c 100 -m 10 -D $dur (server workers: $workers)"
for mode in tls h2c; do
    if [[ $mode == tls ]]; then
        h2bench cortex "https://127.0.0.1:$c_tls/plaintext" tls
        h2bench nginx "https://127.0.0.1:$n_tls/plaintext" tls
        h2bench h2o "https://127.0.0.1:$o_tls/plaintext" tls
    else
        h2bench cortex "http://127.0.0.1:$c_h2c/plaintext" h2c
        h2bench nginx "http://127.0.0.1:$n_h2c/plaintext" h2c
        h2bench h2o "http://127.0.0.1:$o_h2c/plaintext" h2c
    fi
done

echo "# TLS handshake rates: bench/tls/run.sh"
