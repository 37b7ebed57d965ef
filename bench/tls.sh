#!/bin/sh
# bench/tls.sh: lsock.tls vs the C OpenSSL program (bench/tls_bench.c) vs
# LuaSec, both ends of each run on CPU 0 (taskset), best of ROUNDS runs.
# Usage (from the repository root, after make): sh bench/tls.sh [MIB [COUNT [ROUNDS]]]
# Prints a markdown table (bench/RESULTS-tls.md holds one).
set -e
MIB=${1:-1024} COUNT=${2:-300} ROUNDS=${3:-3}
# LSOCK_CPATH=other/?.so runs another build of lsock (say, the one before a change).
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="${LSOCK_CPATH:-./build/?.so};;"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cc -O2 -Wall -Wextra -o "$d/tls_bench" bench/tls_bench.c -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost 2>/dev/null
run() {  # run <impl> <mode> <n> -> best "a b" over ROUNDS
  best=""
  i=0
  while [ $i -lt "$ROUNDS" ]; do
    if [ "$1" = c ]; then out=$(taskset -c 0 "$d/tls_bench" "$2" "$d/cert.pem" "$d/key.pem" "$3")
    else out=$(taskset -c 0 lua5.4 bench/tls_bench.lua "$1" "$2" "$d/cert.pem" "$d/key.pem" "$3"); fi
    best=$(printf '%s\n%s\n' "$best" "$out" | awk 'NF==0{next} !b||$2<b2{b=$0;b2=$2} END{print b}')
    i=$((i + 1))
  done
  echo "$best"
}
for impl in c lsock luasec; do
  if [ "$impl" = luasec ] && ! lua5.4 -e 'require "ssl"' 2>/dev/null; then continue; fi
  eval "bulk_$impl=\$(run $impl bulk $MIB | cut -d' ' -f2)"
  hs=$(run $impl hs "$COUNT")
  eval "full_$impl=\$(echo \$hs | cut -d' ' -f2)"
  eval "res_$impl=\$(echo \$hs | cut -d' ' -f3)"
done
echo "| | C (OpenSSL direct) | lsock.tls | LuaSec | lsock / C | lsock / LuaSec |"
echo "|---|---|---|---|---|---|"
awk -v mib="$MIB" -v n="$COUNT" \
    -v bc="$bulk_c" -v bl="$bulk_lsock" -v bs="${bulk_luasec:-0}" \
    -v fc="$full_c" -v fl="$full_lsock" -v fs="${full_luasec:-0}" \
    -v rc="$res_c" -v rl="$res_lsock" -v rs="${res_luasec:-0}" 'BEGIN {
  printf "| bulk, %d MiB in 64 KiB pieces (MiB/s) | %.0f | %.0f | %.0f | %.2f | %.2f |\n",
    mib, mib/bc, mib/bl, bs ? mib/bs : 0, bc/bl, bs ? bs/bl : 0
  printf "| full handshakes, %d (per s) | %.0f | %.0f | %.0f | %.2f | %.2f |\n",
    n, n/fc, n/fl, fs ? n/fs : 0, fc/fl, fs ? fs/fl : 0
  printf "| resumed handshakes, %d (per s) | %.0f | %.0f | (no resumption: %.0f full) | %.2f | – |\n",
    n, n/rc, n/rl, rs ? n/rs : 0, rc/rl
}'
