#!/bin/sh
# Runs every spec with busted and ends with the one line CI reads:
# "N passed, M failed", counted from busted's own summary.
# Usage: sh spec/run.sh busted --lua=lua5.4 [busted args]
# Child processes (examples, second Lua peers) load the same build.
LUA_PATH="$PWD/lua/?.lua;$PWD/lua/?/init.lua;;"
LUA_CPATH="$PWD/${LSOCK_CPATH#./};;"
export LUA_PATH LUA_CPATH
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# LSOCK_PRELOAD (make test-asan) is given to busted alone, so that the
# shell tools here are not run under the leak checker.
# LSOCK_WRAP (make test-valgrind) is a command put in front of busted.
if [ -n "$LSOCK_WRAP" ]; then
  $LSOCK_WRAP "$@" -o plainTerminal > "$log" 2>&1
elif [ -n "$LSOCK_PRELOAD" ]; then
  LD_PRELOAD="$LSOCK_PRELOAD" "$@" -o plainTerminal > "$log" 2>&1
else
  "$@" -o plainTerminal > "$log" 2>&1
fi
rc=$?
cat "$log"
# busted's summary: "12 successes / 0 failures / 1 error / 0 pending : 1.2 seconds"
summary=$(grep -aE '^[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors?' "$log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "busted printed no summary (exit $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
set -- $summary
passed=$1 failed=$(( $4 + $7 ))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
