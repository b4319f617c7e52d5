"""Starts moto's server (STS and the rest of its AWS emulation) on 127.0.0.1.

Usage: python moto_server.py PORT_FILE
Binds a free port, writes it to PORT_FILE, and serves until its standard
input closes: the test process holds the other end, so moto never outlives
the tests, even when they are killed.
"""
import os
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, sys.argv[1])
    sys.stdin.read()  # until EOF
    server.stop()


if __name__ == "__main__":
    main()
