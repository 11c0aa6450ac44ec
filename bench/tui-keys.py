#!/usr/bin/env python3
"""tui-keys.py: how fast the terminal UI answers a key while it trains.

Runs nuscope's terminal UI on a pseudo-terminal (no tmux, no process per
sample), starts training an architecture from the Training screen, then
presses ? (which opens the help overlay) N times and times each press from
the write of the key to the moment the overlay's title has come out of
the terminal; a key closes the overlay between presses.  The same is done
before training starts, for the idle figure.  Prints medians and maxima.

    bench/tui-keys.py [--nuscope PATH] [--data DIR] [--arch FILE] [-n N]
"""
import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Term:
    def __init__(self, argv, cwd, cols=120, rows=40):
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(cwd)
            os.environ.update(TERM="xterm-256color", LC_ALL="C.UTF-8",
                              COLUMNS=str(cols), LINES=str(rows))
            os.execv(argv[0], argv)
        self.pid, self.fd = pid, fd
        import fcntl
        import struct
        import termios
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.buf = b""

    def read_until(self, needle, timeout=60.0):
        """Read output until needle appears; returns the time it did."""
        end = time.monotonic() + timeout
        while needle not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(needle)
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError(needle)
                self.buf += data
        t = time.monotonic()
        self.buf = self.buf[self.buf.index(needle) + len(needle):]
        return t

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    os.read(self.fd, 65536)
                except OSError:
                    break
        self.buf = b""

    def send(self, data):
        os.write(self.fd, data)


def presses(term, n):
    times = []
    for _ in range(n):
        term.drain(0.15)
        t0 = time.monotonic()
        term.send(b"?")
        t1 = term.read_until(b"Help: Training")
        times.append((t1 - t0) * 1000)
        term.send(b" ")         # any key closes the overlay
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nuscope", default=os.path.join(TOP, "build", "nuscope"))
    ap.add_argument("--data", default=os.path.join(TOP, "data", "sample"))
    ap.add_argument("--arch", default=os.path.join(TOP, "assets", "arch", "seed1.arch"))
    ap.add_argument("-n", type=int, default=40)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        term = Term([a.nuscope, "tui", a.data], work)
        term.read_until(b"events loaded")
        term.send(b"4A" + a.arch.encode() + b"\r")
        term.drain(0.5)
        idle = presses(term, a.n)
        term.send(b"s")
        term.read_until(b"training started", 120)
        term.drain(1.0)
        busy = presses(term, a.n)
        load = os.getloadavg()[0]
        term.send(b"qy")
        term.drain(1.0)
        try:
            os.kill(term.pid, 15)
        except ProcessLookupError:
            pass
        os.waitpid(term.pid, 0)
    for what, v in (("idle", idle), ("while training on both cores", busy)):
        print(f"key to screen {what}: median {statistics.median(v):.1f} ms, "
              f"max {max(v):.1f} ms over {len(v)} presses")
    print(f"(load average {load:.1f} at the end; {os.cpu_count()} cores)")


if __name__ == "__main__":
    sys.exit(main())
