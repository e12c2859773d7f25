#!/usr/bin/python3
# A stand-in for journald's native socket, for tests run in a private mount ns: binds
# SOCKET (normally /run/systemd/journal/socket on a tmpfs of the test's own), decodes each
# sd_journal_send() datagram (KEY=value lines, and the binary KEY\n<le64 len><data>\n form;
# a memfd passed by SCM_RIGHTS for big entries) and appends one line per entry to OUT:
#   p=PRIORITY id=IDENT user=.. service=.. profile=.. stage=.. errno=.. msg=MESSAGE
# It also serves journald's stream socket (stdout, next to SOCKET: what a program's stderr
# is connected to), with the writer's credentials as journald takes them (SO_PEERCRED at
# connect), one line per line written after the stream's header:
#   stream uid=UID pid=PID id=IDENT msg=LINE
import array
import os
import socket
import struct
import sys
import threading

lock = threading.Lock()


def emit(f, line):
    with lock:
        f.write(line + "\n")


def serve_stream(conn, f):
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    lines = conn.makefile("rb")
    header = [lines.readline() for _ in range(7)]
    ident = header[0].decode(errors="replace").strip()
    for raw in lines:
        msg = raw.decode(errors="replace").rstrip("\n")
        emit(f, f"stream uid={uid} pid={pid} id={ident} msg={msg}")
    conn.close()


def accept_streams(s, f):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_stream, args=(conn, f), daemon=True).start()

FIELDS = [("p", "PRIORITY"), ("id", "SYSLOG_IDENTIFIER"), ("user", "ALCOVE_USER"),
          ("service", "ALCOVE_SERVICE"), ("profile", "ALCOVE_PROFILE"),
          ("stage", "ALCOVE_STAGE"), ("errno", "ALCOVE_ERRNO"), ("msg", "MESSAGE")]


def parse(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            break
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            (n,) = struct.unpack_from("<Q", data, nl + 1)
            k, v = line, data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode(errors="replace")] = v.decode(errors="replace").replace("\n", " ")
    return fields


def main():
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, "a", buffering=1) as f:
        st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        st.bind(os.path.join(os.path.dirname(path), "stdout"))
        os.chmod(os.path.join(os.path.dirname(path), "stdout"), 0o666)
        st.listen(64)
        threading.Thread(target=accept_streams, args=(st, f), daemon=True).start()
        f.write("# listening\n")
        while True:
            data, anc, _, _ = s.recvmsg(1 << 17, socket.CMSG_SPACE(16))
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds = array.array("i")
                    fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                    for fd in fds:
                        data = os.pread(fd, 1 << 20, 0)
                        os.close(fd)
            e = parse(data)
            emit(f, " ".join(f"{short}={e.get(key, '')}" for short, key in FIELDS))


main()
