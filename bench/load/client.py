# Load-test client in python3 (selectors, non-blocking): the same protocol
# and checks as client.lua.
# Usage: python3 bench/load/client.py PORT CONNECTIONS MESSAGES [MAXSIZE [SEED]]
import random, selectors, socket, struct, sys, time

port, conns, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
maxsize = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
random.seed(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
blob = random.randbytes(65536) * 4


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


sel = selectors.DefaultSelector()
msgs = nbytes = bad = 0
t0 = time.monotonic()


class Conn:
    def __init__(self, n):
        self.left = n
        self.sock = socket.socket()
        self.sock.setblocking(False)
        self.sock.connect_ex(("127.0.0.1", port))
        self.out = b""
        self.expect = b""
        self.got = bytearray()
        sel.register(self.sock, selectors.EVENT_WRITE, self)

    def next(self):
        if self.left == 0:
            sel.unregister(self.sock)
            self.sock.close()
            return
        self.left -= 1
        n = random.randint(0, maxsize)
        off = random.randint(0, len(blob) - n)
        data = blob[off:off + n]
        self.out = struct.pack(">IH", n, checksum(data)) + data
        self.expect = self.out
        self.got = bytearray()
        sel.modify(self.sock, selectors.EVENT_WRITE, self)

    def ready(self, mask):
        global msgs, nbytes, bad
        if mask & selectors.EVENT_WRITE:
            if not self.expect:
                err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    bad += self.left
                    sel.unregister(self.sock)
                    self.sock.close()
                    return
                self.next()
                return
            n = self.sock.send(self.out)
            self.out = self.out[n:]
            if not self.out:
                sel.modify(self.sock, selectors.EVENT_READ, self)
        else:
            d = self.sock.recv(65536)
            if not d:
                bad += 1 + self.left
                sel.unregister(self.sock)
                self.sock.close()
                return
            self.got += d
            if len(self.got) >= len(self.expect):
                if bytes(self.got) == self.expect:
                    msgs += 1
                    nbytes += len(self.expect) - 6
                else:
                    bad += 1
                self.next()


for i in range(conns):
    Conn(total // conns + (1 if i < total % conns else 0))
while sel.get_map():
    for key, mask in sel.select(60):
        key.data.ready(mask)
print("client %d %d %d %.1f" % (msgs, nbytes, bad, time.monotonic() - t0))
