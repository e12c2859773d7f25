#!/usr/bin/python3
# A client of alcove-init's control socket that makes init the last holder of a TCP socket
# with SO_LINGER and unsent data (its close() then blocks until the peer reads, which it never
# does): tests/integration/20-init-enter.sh. Modes:
#   signal        a SIGNAL packet that carries the fd
#   empty-packet  an ENTER (a session of sleep), then an empty packet, which reads as EOF, and
#                 the fd behind it in a SIGNAL; the connection closed at once
#   refused       the fd sent right after connect, before init accepts (and refuses) it
# Touches DONE once the fd is passed, then keeps the never-reading peer open for 60 s.
#   linger_attack.py MODE SOCKET DONE
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alcove_proto import ENTER, SIGNAL, enter_payload, packet  # noqa: E402

mode, path, done = sys.argv[1:]
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)  # never accepted, never read: what is sent stays unsent once its window is full
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 3600))
t.connect(srv.getsockname())
t.setblocking(False)
try:
    while True:
        t.send(b"x" * 65536)
except BlockingIOError:
    pass
c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
c.connect(path)
signal_with_fd = [packet(SIGNAL, struct.pack("=i", 15))], [t.fileno()]
if mode == "empty-packet":
    socket.send_fds(c, [packet(ENTER, enter_payload([b"sleep", b"0.2"], path=b"/bin/sleep"))],
                    [0, 1, 2])
    c.send(b"")
socket.send_fds(c, *signal_with_fd)
t.close()
if mode == "empty-packet":
    c.close()
open(done, "w").close()
time.sleep(60)
