#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A stand-in for systemd/epp-gate-health.path and epp-gate-watcher.service where
systemd does not run (the test machines), to count what they would do.

    pathwatch.py --log FILE [--exec CMD] [--hold SECONDS] PATH

PATH is watched as a path unit with PathModified=PATH watches it:

  - every existing directory on the way to PATH for IN_MOVE_SELF, IN_DELETE_SELF,
    IN_ATTRIB, IN_CREATE and IN_MOVED_TO, down to the first one missing; a
    directory whose child exists is kept for IN_MOVE_SELF only;
  - PATH itself, when it exists, for IN_MODIFY, IN_CLOSE_WRITE, IN_ATTRIB,
    IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO, IN_DELETE_SELF and
    IN_MOVE_SELF (so an open for writing that writes nothing counts too).

It triggers when one read of events holds any event on PATH's own watch, or when
PATH appeared or disappeared since it last looked; other events only make it
build its watches again. On a trigger it drops every watch, runs CMD (the
watcher service's "systemctl restart"), stays busy --hold seconds more (the
service's ExecStartPost= sleep) and then watches again: what happened to PATH
meanwhile is not a trigger, only the state it left.

FILE gets one line per step, flushed at once:
    watching exists=0|1
    trigger N EVENTS            (EVENTS: the inotify event names, or "appeared"/"disappeared")
    done N rc=STATUS
Ends on SIGTERM or SIGINT.
"""
import argparse
import ctypes
import errno
import os
import select
import signal
import struct
import subprocess
import sys
import time

IN_MODIFY = 0x002
IN_ATTRIB = 0x004
IN_CLOSE_WRITE = 0x008
IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_DONT_FOLLOW = 0x02000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

NAMES = [(IN_MODIFY, "IN_MODIFY"), (IN_ATTRIB, "IN_ATTRIB"),
         (IN_CLOSE_WRITE, "IN_CLOSE_WRITE"), (IN_MOVED_FROM, "IN_MOVED_FROM"),
         (IN_MOVED_TO, "IN_MOVED_TO"), (IN_CREATE, "IN_CREATE"), (IN_DELETE, "IN_DELETE"),
         (IN_DELETE_SELF, "IN_DELETE_SELF"), (IN_MOVE_SELF, "IN_MOVE_SELF"),
         (IN_Q_OVERFLOW, "IN_Q_OVERFLOW"), (IN_IGNORED, "IN_IGNORED")]

DIR_MASK = IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB | IN_CREATE | IN_MOVED_TO
MODIFIED_MASK = (IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE |
                 IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY)

libc = ctypes.CDLL(None, use_errno=True)
libc.inotify_init1.argtypes = [ctypes.c_int]
libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]


def add_watch(fd, path, mask):
    """The watch descriptor, or -errno. A symlink is watched as itself and as its target."""
    wd = -1
    for follow in (False, True):
        wd = libc.inotify_add_watch(fd, os.fsencode(path), mask | (0 if follow else IN_DONT_FOLLOW))
        if wd < 0:
            return -ctypes.get_errno()
    return wd


class Unit:
    def __init__(self, path, log, cmd, hold):
        self.path = os.path.normpath(os.path.abspath(path))
        self.log = log
        self.cmd = cmd
        self.hold = hold
        self.fd = -1
        self.primary = None
        self.previous_exists = os.path.lexists(self.path)
        self.triggers = 0

    def say(self, line):
        self.log.write(line + "\n")
        self.log.flush()

    def unwatch(self):
        if self.fd != -1:
            os.close(self.fd)
        self.fd = -1
        self.primary = None

    def watch(self):
        self.unwatch()
        self.fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        parts = self.path.split("/")[1:]
        prefixes = ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        parent = None
        for i, p in enumerate(prefixes):
            last = i == len(prefixes) - 1
            wd = add_watch(self.fd, p, MODIFIED_MASK if last else DIR_MASK)
            if wd < 0:
                if -wd in (errno.ENOENT, errno.EACCES):
                    break
                raise OSError(-wd, "inotify_add_watch " + p)
            if parent is not None:
                add_watch(self.fd, parent, IN_MOVE_SELF)
            if last:
                self.primary = wd
            parent = p
        self.say("watching exists=%d" % (self.primary is not None))

    def existence_changed(self, quiet=False):
        now = os.path.lexists(self.path)
        changed = now != self.previous_exists
        self.previous_exists = now
        if changed and not quiet:
            return "appeared" if now else "disappeared"
        return None

    def run(self, why):
        """The path unit starts the service: no watching until it has finished."""
        self.unwatch()
        self.triggers += 1
        n = self.triggers
        self.say("trigger %d %s" % (n, why))
        rc = 0
        if self.cmd:
            rc = subprocess.run(self.cmd, shell=True).returncode
        if self.hold > 0:
            time.sleep(self.hold)
        self.say("done %d rc=%d" % (n, rc))
        self.existence_changed(quiet=True)
        self.waiting()

    def waiting(self):
        why = self.existence_changed()
        if why is None:
            self.watch()
            why = self.existence_changed()
        if why is not None:
            self.run(why)

    def readable(self):
        try:
            buf = os.read(self.fd, 4096)
        except BlockingIOError:
            return
        off, seen, hit = 0, [], False
        while off + 16 <= len(buf):
            wd, mask, _cookie, length = struct.unpack_from("iIII", buf, off)
            off += 16 + length
            if wd == self.primary:
                hit = True
                seen += [n for bit, n in NAMES if mask & bit]
        if hit:
            self.run(",".join(dict.fromkeys(seen)))
        else:
            self.waiting()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--exec", dest="cmd", default="")
    ap.add_argument("--hold", type=float, default=1.0)
    ap.add_argument("path")
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(a.log, "a") as log:
        u = Unit(a.path, log, a.cmd, a.hold)
        u.watch()
        why = u.existence_changed()     # changed while the watches were being set up
        if why is not None:
            u.run(why)
        while not stop:
            try:
                r, _, _ = select.select([u.fd], [], [], 0.2)
            except InterruptedError:
                continue
            if r:
                u.readable()
    return 0


if __name__ == "__main__":
    sys.exit(main())
