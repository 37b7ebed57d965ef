#!/bin/sh
# Bounded load test: the lsock coroutine server against CONNS concurrent
# connections sending MSGS framed messages of random sizes, from the Lua
# client (lsock.loop) and then the python3 client.  Fails unless both
# sides count every message and none is lost or corrupted.
# Usage: sh bench/load/run.sh [CONNS [MSGS [MAXSIZE]]]  (from the repo root,
# with LUA_PATH/LUA_CPATH set as `make load` does)
set -eu
conns=${1:-10000}
msgs=${2:-1000000}
maxsize=${3:-1024}
ulimit -n $(( conns * 2 + 64 > 20000 ? 20000 : conns * 2 + 64 )) 2>/dev/null || true
dir=$(mktemp -d)
trap 'kill $(cat "$dir"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT
status=0
for client in lua python; do
  timeout 600 lua5.4 bench/load/server.lua "$conns" > "$dir/server" 2>&1 &
  echo $! > "$dir/pid"
  port=""
  for _ in $(seq 1 100); do
    port=$(head -n 1 "$dir/server")
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ "$client" = lua ]; then
    out=$(timeout 600 lua5.4 bench/load/client.lua "$port" "$conns" "$msgs" "$maxsize")
  else
    out=$(env -u LD_PRELOAD timeout 600 python3 bench/load/client.py \
          "$port" "$conns" "$msgs" "$maxsize")
  fi
  wait "$(cat "$dir/pid")" || true
  srv=$(tail -n 1 "$dir/server")
  echo "$client: $out | $srv"
  set -- $out
  c_msgs=$2 c_bad=$4 secs=$5
  set -- $srv
  s_msgs=$2 s_corrupt=$4 s_conns=$5
  if [ "$c_msgs" -ne "$msgs" ] || [ "$c_bad" -ne 0 ] || [ "$s_msgs" -ne "$msgs" ] \
     || [ "$s_corrupt" -ne 0 ] || [ "$s_conns" -ne "$conns" ]; then
    echo "FAIL ($client client): lost or corrupted messages"
    status=1
  else
    echo "ok ($client client): $conns connections, $msgs messages, 0 lost," \
         "0 corrupted, ${secs} s"
  fi
done
exit $status
