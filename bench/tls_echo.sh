#!/bin/sh
# bench/tls_echo.sh: TLS echo servers at CONNS connections (default 1000):
# the C epoll + OpenSSL server of bench/tls_echo.c against lsock's
# coroutine server (examples/tls_echo_server.lua: lsock.server{tls = ctx,
# mode = "coroutine"} reading lines with lsock.stream), each on CPU 0, the
# C load generator on CPU 1, SECS seconds of 64-byte round trips after
# all handshakes.  Usage: sh bench/tls_echo.sh [CONNS [SECS]]
set -e
CONNS=${1:-1000} SECS=${2:-5}
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;"
ulimit -n 8192
d=$(mktemp -d)
cc -O2 -Wall -Wextra -o "$d/tls_echo" bench/tls_echo.c -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost 2>/dev/null
for impl in c lsock; do
  out="$d/out.$impl"
  if [ $impl = c ]; then
    timeout 60 taskset -c 0 "$d/tls_echo" server "$d/cert.pem" "$d/key.pem" > "$out" &
  else
    timeout 60 taskset -c 0 lua5.4 examples/tls_echo_server.lua "$d/cert.pem" "$d/key.pem" 0 \
      > "$out" &
  fi
  pid=$!
  sleep 1
  port=$(head -n 1 "$out" | sed 's/.*://')
  rate=$(timeout 50 taskset -c 1 "$d/tls_echo" load "$port" "$d/cert.pem" "$CONNS" "$SECS")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$impl $rate"
done
rm -rf "$d"
