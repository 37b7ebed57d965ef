#!/bin/sh
# Run by `make bench-loop` under `unshare -mnpf`: loopback only, a
# resolv.conf naming 127.0.0.1, spec/slowdns.py answering at once; the pid
# namespace ends the DNS server with the bench.
set -e
dir=$(mktemp -d)
ip link set lo up
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:1\n' > "$dir/resolv.conf"
mount --bind "$dir/resolv.conf" /etc/resolv.conf
python3 spec/slowdns.py 0 "$dir/ready" &
i=0; while [ ! -e "$dir/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
lua5.4 bench/loop_names.lua "$@"
rm -rf "$dir"
