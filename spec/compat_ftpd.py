"""A small FTP responder for spec/compat_http_spec.lua (socket.ftp over
lsock.compat): 127.0.0.1 only, one session at a time, files in memory.
Prints its port, then serves sessions until killed or 60 s pass.
Commands: USER, PASS, TYPE, EPSV, PASV, RETR, STOR, CWD, PWD, NOOP, QUIT;
anything else is 502.  RETR of a missing file is 550."""
import socket
import time

FILES = {"hello.txt": b"hello over ftp\r\nsecond line\n",
         "big.bin": bytes(range(256)) * 4096}

def session(conn):
    conn.settimeout(10)
    f = conn.makefile("rb")
    data_listener = None

    def reply(text):
        conn.sendall((text + "\r\n").encode())

    def accept_data():
        d, _ = data_listener.accept()
        d.settimeout(10)
        return d

    reply("220 compat_ftpd ready")
    cwd = "/"
    while True:
        line = f.readline()
        if not line:
            break
        cmd, _, arg = line.decode().rstrip("\r\n").partition(" ")
        cmd = cmd.upper()
        if cmd == "USER":
            reply("331 password please")
        elif cmd == "PASS":
            reply("230 logged in")
        elif cmd == "TYPE":
            reply("200 type " + arg)
        elif cmd in ("EPSV", "PASV"):
            if data_listener:
                data_listener.close()
            data_listener = socket.socket()
            data_listener.bind(("127.0.0.1", 0))
            data_listener.listen(1)
            data_listener.settimeout(10)
            port = data_listener.getsockname()[1]
            if cmd == "EPSV":
                reply("229 Entering Extended Passive Mode (|||%d|)" % port)
            else:
                reply("227 Entering Passive Mode (127,0,0,1,%d,%d)" % (port >> 8, port & 255))
        elif cmd == "RETR":
            if arg not in FILES:
                reply("550 no such file")
                continue
            reply("150 opening data connection")
            d = accept_data()
            d.sendall(FILES[arg])
            d.close()
            reply("226 transfer complete")
        elif cmd == "STOR":
            reply("150 ready for data")
            d = accept_data()
            chunks = []
            while True:
                b = d.recv(65536)
                if not b:
                    break
                chunks.append(b)
            d.close()
            FILES[arg] = b"".join(chunks)
            reply("226 stored %d bytes" % len(FILES[arg]))
        elif cmd == "CWD":
            cwd = arg
            reply("250 directory is " + cwd)
        elif cmd == "PWD":
            reply('257 "%s"' % cwd)
        elif cmd == "NOOP":
            reply("200 ok")
        elif cmd == "QUIT":
            reply("221 bye")
            break
        else:
            # RFC 959's reply for a command this small server does not serve
            reply("502 command %s is not served here" % cmd)
    if data_listener:
        data_listener.close()
    conn.close()

def main():
    lsn = socket.socket()
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(4)
    lsn.settimeout(1)
    print(lsn.getsockname()[1], flush=True)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            conn, _ = lsn.accept()
        except socket.timeout:
            continue
        try:
            session(conn)
        except OSError:
            conn.close()

main()
