#!/bin/sh
# User-space instructions per round trip of one echo server of
# make bench-servers, counted by callgrind: a figure the machine's load
# does not move.  The server runs under callgrind twice, served by
# build/bench/loadgen for a short and a long time (no warm-up, so every
# round trip counts); the difference of the two runs' instructions over
# the difference of their round trips leaves out start-up and the
# connecting, and is what one more round trip costs the server.  What
# the short run spent besides its round trips is start-up and connecting:
# printed per connection too (the connecting is in bench-servers' CPU).
# Usage: sh bench/profile_servers.sh IMPL [CONNS [SHORT LONG]]
#   (from the repository root after make bench-servers' builds; IMPL c,
#   lsock, luv, cqueues, or a Lua server file; CONNS 100; SHORT and LONG
#   seconds, 2 and 6).  The Lua servers run in LUA (default /tmp/dbg/mlua,
#   a Lua 5.4 with symbols; lua5.4 works too).  Leaves the long run's
#   profile in build/bench/callgrind.IMPL.CONNS.out (IMPL's file name for
#   a file): callgrind_annotate --inclusive=yes build/bench/callgrind...
#   CACHESIM=1 simulates the caches too, and prints the misses per round
#   trip of the first-level data cache (D1) and the last level (LL).
set -eu
impl=$1 conns=${2:-100} short=${3:-2} long=${4:-6}
lua=${LUA:-/tmp/dbg/mlua}
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="${LSOCK_CPATH:-./build/?.so};;"
case $impl in
  c) set -- build/bench/echo_epoll ;;
  lsock|luv|cqueues) set -- "$lua" bench/echo_$impl.lua ;;
  *) set -- "$lua" "$impl" ;;
esac
name=$(basename "$impl" .lua)
out=build/bench/callgrind.$name.$conns.out log=build/bench/callgrind.$name.$conns.log
ulimit -n $((conns + 256)) 2>/dev/null || true
fifo=$(mktemp -u) && mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT

# one SECONDS: prints "round_trips instructions [Dr Dw I1mr D1mr D1mw ILmr
# DLmr DLmw]" (the events callgrind collected)
one() {
  valgrind --tool=callgrind ${CACHESIM:+--cache-sim=yes} \
    --callgrind-out-file=$out "$@" \
    > "$fifo" 2> $log &
  vg=$!
  exec 3< "$fifo"
  read -r addr <&3
  sleep 1   # luv prints its address before it listens
  r=$(timeout $((secs + 300)) build/bench/loadgen 127.0.0.1 "${addr##*:}" \
      "$conns" "$secs" 64 0) ||
    { echo "loadgen failed: $r" >&2; kill -TERM $vg; wait $vg; exit 1; }
  kill -TERM $vg
  wait $vg 2>/dev/null || true
  exec 3<&-
  rt=$(echo "$r" | sed -n 's/.*round_trips=\([0-9]*\).*/\1/p')
  echo "$rt $(sed -n 's/.*Collected : //p' $log)"
}

secs=$short; a=$(one "$@")
secs=$long; b=$(one "$@")
echo "$a" "$b" | awk -v impl="$impl" -v conns="$conns" -v cache="${CACHESIM:-}" '{
  n = NF / 2; rt = $(n + 1) - $1
  per = ($(n + 2) - $2) / rt
  printf "%s at %d connections: %d and %d round trips, %d instructions per round trip",
    impl, conns, $1, $(n + 1), per
  # what the short run spent on anything but round trips, per connection
  printf " (%d per connection: start-up and connecting)", ($2 - $1 * per) / conns
  if (cache != "")   # D1 misses: D1mr + D1mw; LL: DLmr + DLmw
    printf ", %.1f D1 and %.1f LL data misses", ($(n + 6) + $(n + 7) - $6 - $7) / rt,
      ($(n + 9) + $(n + 10) - $9 - $10) / rt
  printf "\n" }'
