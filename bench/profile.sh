#!/bin/sh
# User-space instructions per operation of one workload's client, counted
# by callgrind: a figure the machine's load does not move, for finding
# and checking library overhead (perf has no hardware counters on this VM).
# Usage: sh bench/profile.sh WORKLOAD IMPL [SECONDS]   (from the repository
# root after make bench-quick; WORKLOAD as in bench/basic.lua, IMPL c,
# lsock, luasocket or compat: the LuaSocket client on lsock.compat).  Leaves the profile in build/bench/callgrind.out.
set -eu
w=$1 impl=$2 secs=${3:-2} per=1
out=build/bench/callgrind.out
case $w in
  pingpong|blast|conn) prog=$w peer="server $secs" fam= extra= ;;
  bulk) prog=bulk peer="server 268435456" fam= extra=268435456 per=65536 ;;
  tcp_rr) prog=rr peer="server tcp $secs" fam=tcp extra= ;;
  unix_rr) prog=rr peer="server unix $secs" fam=unix extra= ;;
  *) echo "unknown workload $w" >&2; exit 2 ;;
esac
# LSOCK_CPATH=other/?.so profiles another build (say, the one before a change).
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="${LSOCK_CPATH:-./build/?.so};;"
fifo=$(mktemp -u) && mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT
timeout 120 build/bench/$prog $peer > "$fifo" &
exec 3< "$fifo"
read -r first <&3
where=${first#*=}
if [ "$impl" = c ]; then
  set -- build/bench/$prog client $fam "$where" $extra
elif [ "$impl" = compat ]; then
  set -- lua5.4 -e "require('lsock.compat').install()" \
    bench/lua/luasocket_basic.lua "$w" "$where" $extra
else
  set -- lua5.4 bench/lua/${impl}_basic.lua "$w" "$where" $extra
fi
timeout 120 valgrind --tool=callgrind --callgrind-out-file=$out "$@" \
  > build/bench/callgrind.client 2> build/bench/callgrind.log
wait
ops=$(sed -n 's/.*ops=\([0-9]*\).*/\1/p' <&3 | tail -n 1)
collected() {
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' build/bench/callgrind.log
}
ir=$(collected)
# Start-up (the interpreter and the library loading) is not per operation:
# count it alone and take it off.
case $impl in
  c) set -- true ;;
  lsock) set -- lua5.4 -e 'require "lsock"' ;;
  compat) set -- lua5.4 -e 'require("lsock.compat").install() require "socket"' ;;
  *) set -- lua5.4 -e 'require "socket"' ;;
esac
valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
  2> build/bench/callgrind.log
start=$(collected)
# bulk counts bytes: its "op" is one 64 KiB chunk
echo "$w $impl: $ops ops, $ir instructions ($start at start-up)," \
  "$(((ir - start) * per / ops)) per op"
callgrind_annotate --inclusive=yes $out 2>/dev/null |
  grep -E 'core\.so|socket\.so|luaL_|lua_[a-z]+ ' | head -n 12
