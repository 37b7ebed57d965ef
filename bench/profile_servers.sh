#!/bin/sh
# User-space instructions per round trip of one echo server of
# make bench-servers, counted by callgrind: a figure the machine's load
# does not move.  The server runs under callgrind twice, served by
# build/bench/loadgen for a short and a long time (no warm-up, so every
# round trip counts); the difference of the two runs' instructions over
# the difference of their round trips leaves out start-up and the
# connecting, and is what one more round trip costs the server.
# Usage: sh bench/profile_servers.sh IMPL [CONNS [SHORT LONG]]
#   (from the repository root after make bench-servers' builds; IMPL c,
#   lsock, luv, cqueues, or a Lua server file; CONNS 100; SHORT and LONG
#   seconds, 2 and 6).  The Lua servers run in LUA (default /tmp/dbg/mlua,
#   a Lua 5.4 with symbols; lua5.4 works too).  Leaves the long run's
#   profile in build/bench/callgrind.IMPL.CONNS.out (IMPL's file name for
#   a file): callgrind_annotate --inclusive=yes build/bench/callgrind...
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

# one SECONDS: prints "instructions round_trips"
one() {
  valgrind --tool=callgrind --callgrind-out-file=$out "$@" \
    > "$fifo" 2> $log &
  vg=$!
  exec 3< "$fifo"
  read -r addr <&3
  r=$(timeout $((secs + 300)) build/bench/loadgen 127.0.0.1 "${addr##*:}" \
      "$conns" "$secs" 64 0) || { echo "loadgen failed: $r" >&2; exit 1; }
  kill -TERM $vg
  wait $vg 2>/dev/null || true
  exec 3<&-
  ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' $log)
  rt=$(echo "$r" | sed -n 's/.*round_trips=\([0-9]*\).*/\1/p')
  echo "$ir $rt"
}

secs=$short; set -- $(one "$@") "$@"; ir1=$1 rt1=$2; shift 2
secs=$long; set -- $(one "$@"); ir2=$1 rt2=$2
echo "$impl at $conns connections: $rt1 and $rt2 round trips," \
  "$(( (ir2 - ir1) / (rt2 - rt1) )) instructions per round trip"
