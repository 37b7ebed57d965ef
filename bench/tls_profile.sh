#!/bin/sh
# bench/tls_profile.sh: the workloads of bench/tls.sh counted in user-space
# instructions under callgrind instead of timed, for the C program
# (bench/tls_bench.c), lsock.tls and LuaSec (bench/tls_bench.lua): a
# figure the machine's load does not move.  Both ends run on one CPU in
# tls.sh, so the instructions of client and server together are the CPU
# a unit of work costs in user space (the kernel's share, the same
# send/recv for all three, is not counted: see the syscall counts).
# Every figure is a difference of two runs, N and 2N units, so that
# start-up (the interpreter, the module, the contexts and keys, the one
# full handshake a resumed run needs for its ticket) cancels out.
# Usage (from the repository root, after make):
#   sh bench/tls_profile.sh [MIB [COUNT [IMPLS]]]
# MIB (default 32): bulk runs of MIB and 2*MIB MiB in 64 KiB pieces;
# COUNT (default 50): handshake runs of COUNT and 2*COUNT; IMPLS (default
# "c lsock luasec").  Prints a markdown table of instructions per MiB, per
# full and per resumed handshake, and system calls per unit (strace -f).
# Leaves the callgrind profiles of the 2N runs in build/bench/tls-profile/
# (IMPL.WORKLOAD.PID; the server is the lower PID), for
# callgrind_annotate.  LSOCK_CPATH=other/?.so profiles another build of
# lsock (say, the one before a change); LUA=/tmp/dbg/mlua gives Lua's
# own functions names in the profiles.
set -eu
MIB=${1:-32} COUNT=${2:-50} IMPLS=${3:-c lsock luasec}
LUA=${LUA:-lua5.4}
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="${LSOCK_CPATH:-./build/?.so};;"
out=build/bench/tls-profile
mkdir -p "$out"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cc -O2 -g -Wall -Wextra -o "$d/tls_bench" bench/tls_bench.c -lssl -lcrypto
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost 2>/dev/null
# glibc copies and clears blocks of more than a few KiB with rep movsb /
# rep stosb, which callgrind counts a byte an instruction: a 16 KiB record
# copied would weigh as much as its encryption.  Vector loops instead,
# counted an instruction per 8 to 32 bytes, closer to what a copy costs.
TUNE=glibc.cpu.x86_rep_movsb_threshold=4294967295:glibc.cpu.x86_rep_stosb_threshold=4294967295
cmd() {  # cmd <impl> <mode> <n>: the command line of one run
  if [ "$1" = c ]; then echo "$d/tls_bench $2 $d/cert.pem $d/key.pem $3"
  else echo "$LUA bench/tls_bench.lua $1 $2 $d/cert.pem $d/key.pem $3"; fi
}
instr() {  # instr <impl> <mode> <n> <keep>: instructions of both ends
  rm -f "$d"/cg.*
  # shellcheck disable=SC2046
  GLIBC_TUNABLES=$TUNE timeout 900 valgrind --tool=callgrind --callgrind-out-file="$d/cg.%p" \
    $(cmd "$1" "$2" "$3") > /dev/null 2> "$d/log" || { cat "$d/log" >&2; exit 1; }
  if [ "$4" = keep ]; then
    rm -f "$out/$1.$2".*
    for f in "$d"/cg.*; do cp "$f" "$out/$1.$2.${f##*.}"; done
  fi
  cat "$d"/cg.* | sed -n 's/^summary: //p' | awk '{s += $1} END {print s}'
}
calls() {  # calls <impl> <mode> <n>: system calls of both ends
  # shellcheck disable=SC2046
  timeout 300 strace -f -c -o "$d/st" $(cmd "$1" "$2" "$3") > /dev/null
  awk '$NF == "total" {print $4}' "$d/st"
}
per() {  # per <impl> <mode> <n> <scale>: per unit, from n and 2n runs
  a=$(instr "$1" "$2" "$3" no)
  b=$(instr "$1" "$2" $(($3 * 2)) keep)
  sa=$(calls "$1" "$2" "$3")
  sb=$(calls "$1" "$2" $(($3 * 2)))
  awk -v a="$a" -v b="$b" -v sa="$sa" -v sb="$sb" -v n="$3" -v k="$4" \
    'BEGIN {printf "%.0f %.1f\n", (b - a) / (n * k), (sb - sa) / (n * k)}'
}
for impl in $IMPLS; do
  if [ "$impl" = luasec ] && ! lua5.4 -e 'require "ssl"' 2>/dev/null; then continue; fi
  eval "bulk_$impl=\$(per $impl bulk $MIB 1)"
  eval "full_$impl=\$(per $impl full $COUNT 1)"
  # LuaSec has no session API: its "resumed" run is full handshakes again
  [ "$impl" = luasec ] || eval "res_$impl=\$(per $impl resumed $COUNT 1)"
done
row() {  # row <label> <c> <lsock> <luasec>, each "instructions syscalls"
  awk -v label="$1" -v c="$2" -v l="$3" -v s="$4" 'BEGIN {
    split(c, C, " "); split(l, L, " "); split(s, S, " ")
    printf "| %s | %.0f | %.0f | %s | %s | %s | %s / %s / %s |\n", label,
      C[1], L[1], S[1] ? sprintf("%.0f", S[1]) : "–",
      C[1] && L[1] ? sprintf("%.2f", C[1] / L[1]) : "–",
      S[1] && L[1] ? sprintf("%.2f", S[1] / L[1]) : "–",
      C[2] ? C[2] : "–", L[2] ? L[2] : "–", S[2] ? S[2] : "–"
  }'
}
echo "| instructions (client + server) | C (OpenSSL direct) | lsock.tls | LuaSec | C / lsock | LuaSec / lsock | syscalls C / lsock / LuaSec |"
echo "|---|---|---|---|---|---|---|"
row "per MiB of bulk (64 KiB pieces)" "${bulk_c:-}" "${bulk_lsock:-}" "${bulk_luasec:-}"
row "per full handshake" "${full_c:-}" "${full_lsock:-}" "${full_luasec:-}"
row "per resumed handshake" "${res_c:-}" "${res_lsock:-}" "${res_luasec:-}"
