#!/bin/sh
# bench/tls_cpu.sh: the workloads of bench/tls.sh measured in CPU time
# (user + system, both ends: the client is the server's waited-for child)
# instead of wall time: the kernel's share, which bench/tls_profile.sh's
# instruction counts leave out, is in it, and a machine shared with other
# jobs inflates it less than wall time (it still moves by some per cent:
# take the best of ROUNDS).  Each figure is the difference of an N and a
# 3N run, so that start-up cancels; both ends on CPU 0 as in tls.sh.
# Usage (from the repository root, after make):
#   sh bench/tls_cpu.sh [MIB [COUNT [ROUNDS]]]   (defaults 512 500 3)
# LSOCK_CPATH=other/?.so measures another build of lsock.
set -eu
MIB=${1:-512} COUNT=${2:-500} ROUNDS=${3:-3}
bulk_c='' bulk_lsock='' full_c='' full_lsock='' res_c='' res_lsock=''
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="${LSOCK_CPATH:-./build/?.so};;"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cc -O2 -Wall -Wextra -o "$d/tls_bench" bench/tls_bench.c -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost 2>/dev/null
cpu() {  # cpu <impl> <mode> <n>: user + system seconds of one run
  if [ "$1" = c ]; then set -- "$d/tls_bench" "$2" "$d/cert.pem" "$d/key.pem" "$3"
  else set -- lua5.4 bench/tls_bench.lua "$1" "$2" "$d/cert.pem" "$d/key.pem" "$3"; fi
  /usr/bin/time -f "%U %S" -o "$d/t" timeout 300 taskset -c 0 "$@" > /dev/null
  awk '{print $1 + $2}' "$d/t"
}
per() {  # per <impl> <mode> <n>: best of ROUNDS, milliseconds per unit
  i=0 best=
  while [ $i -lt "$ROUNDS" ]; do
    a=$(cpu "$1" "$2" "$3")
    b=$(cpu "$1" "$2" $(($3 * 3)))
    best=$(awk -v a="$a" -v b="$b" -v n="$3" -v best="$best" 'BEGIN {
      v = (b - a) * 1000 / (2 * n); if (best == "" || v < best) best = v
      printf "%.4f\n", best }')
    i=$((i + 1))
  done
  echo "$best"
}
for impl in c lsock luasec; do
  if [ "$impl" = luasec ] && ! lua5.4 -e 'require "ssl"' 2>/dev/null; then continue; fi
  eval "bulk_$impl=\$(per $impl bulk $MIB)"
  eval "full_$impl=\$(per $impl full $COUNT)"
  # LuaSec has no session API: its "resumed" run is full handshakes again
  [ "$impl" = luasec ] || eval "res_$impl=\$(per $impl resumed $COUNT)"
done
echo "| CPU ms, user + system, both ends | C (OpenSSL direct) | lsock.tls | LuaSec | C / lsock | LuaSec / lsock |"
echo "|---|---|---|---|---|---|"
row() {
  awk -v label="$1" -v c="$2" -v l="$3" -v s="$4" 'BEGIN {
    printf "| %s | %.3f | %.3f | %s | %.2f | %s |\n", label, c, l,
      s != "" ? sprintf("%.3f", s) : "–", c / l, s != "" ? sprintf("%.2f", s / l) : "–"
  }'
}
row "per MiB of bulk (64 KiB pieces)" "$bulk_c" "$bulk_lsock" "${bulk_luasec:-}"
row "per full handshake" "$full_c" "$full_lsock" "${full_luasec:-}"
row "per resumed handshake" "$res_c" "$res_lsock" ""
