#!/usr/bin/env python3
"""A slow DNS server for the resolver specs, on 127.0.0.1:53 (UDP), run
only inside a network namespace a spec makes (unshare -mn).

Every query is answered after DELAY seconds, each on its own timer, so that
concurrent queries all come back after about DELAY, not one after another
(DELAY 0: at once, from the receiving loop).
Names ending in .slow.test: A queries get 10.99.1.N (N from the first
label "hN"), or 127.0.0.1 for lo.slow.test; other types an empty NOERROR
answer; every other name gets NXDOMAIN.  Usage: slowdns.py DELAY READYFILE
"""
import socket
import struct
import sys
import threading

DELAY = float(sys.argv[1])
READY = sys.argv[2]


def parse_question(msg):
    """(name, qtype, end offset of the question)"""
    i, labels = 12, []
    while msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return ".".join(labels).lower(), qtype, i + 5


def answer(msg):
    qid = msg[:2]
    name, qtype, end = parse_question(msg)
    question = msg[12:end]
    if not name.endswith(".slow.test"):
        # QR, RD, RA; rcode 3 (NXDOMAIN); one question, no answers
        return qid + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question
    records = b""
    count = 0
    first = name.split(".")[0]
    ip = None
    if qtype == 1 and first == "lo":
        ip = bytes([127, 0, 0, 1])
    elif qtype == 1 and first.startswith("h") and first[1:].isdigit():
        ip = bytes([10, 99, 1, int(first[1:]) % 256])
    if ip:
        # a pointer to the name at offset 12, type A, class IN, TTL, rdata
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + ip
        count = 1
    return qid + struct.pack("!HHHHH", 0x8180, 1, count, 0, 0) + question + records


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 53))
    with open(READY, "w") as f:
        f.write("ready\n")
    while True:
        msg, peer = s.recvfrom(4096)
        if len(msg) < 17:
            continue
        reply = answer(msg)
        if DELAY <= 0:            # the fast resolver of bench/loop_names.lua
            s.sendto(reply, peer)
            continue
        t = threading.Timer(DELAY, s.sendto, (reply, peer))
        t.daemon = True
        t.start()


main()
