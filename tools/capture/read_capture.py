#!/usr/bin/env python3
"""Reads a sanstls capture (docs/capture-format.md) and prints its entries, one line each.

    python3 tools/capture/read_capture.py FILE [--summary]

Written from the format document alone, as a check that the document is enough. Exit status 0 on a
well-formed file, 1 otherwise (with the reason on stderr).
"""
import struct
import sys

MAGIC = b"SANSTLSC"
NAMES = {
    0x01: "start", 0x02: "config", 0x10: "rng", 0x11: "clock", 0x20: "receive", 0x21: "send",
    0x22: "consume", 0x23: "close", 0x24: "receive_eof", 0x25: "on_timeout", 0x26: "set_trace",
    0x27: "key_update", 0x28: "result", 0x29: "request_client_certificate", 0x30: "event", 0x31: "no_event",
    0x3F: "end",
}
EVENTS = {0: "handshake_done", 1: "app_data", 2: "alert_received", 3: "closed", 4: "handshake_message",
          5: "session_ticket"}


def entries(data):
    """Yields (type, payload) for each entry; raises ValueError on a malformed file."""
    if data[:8] != MAGIC:
        raise ValueError("bad magic")
    if len(data) < 10:
        raise ValueError("truncated header")
    (version,) = struct.unpack(">H", data[8:10])
    if version != 1:
        raise ValueError("unsupported version %d" % version)
    pos = 10
    while pos < len(data):
        if pos + 5 > len(data):
            raise ValueError("truncated entry header at offset %d" % pos)
        etype, length = struct.unpack(">BI", data[pos:pos + 5])
        if pos + 5 + length > len(data):
            raise ValueError("truncated entry at offset %d" % pos)
        if etype not in NAMES:
            raise ValueError("unknown entry type %d at offset %d" % (etype, pos))
        yield etype, data[pos + 5:pos + 5 + length]
        pos += 5 + length


def describe(etype, p):
    name = NAMES[etype]
    if name == "start":
        (nlen,) = struct.unpack(">H", p[2:4])
        return "start role=%s trace=%d server_name=%r" % (
            "client" if p[0] == 0 else "server", p[1], p[4:4 + nlen].decode())
    if name == "config":
        return "config " + p.decode().strip().replace("\n", "; ")
    if name == "clock":
        return "clock %d" % struct.unpack(">Q", p)[0]
    if name == "result":
        if p[0] == 0:
            return "result ok %d" % struct.unpack(">I", p[1:5])[0]
        return "result error kind=%d alert=%d" % (p[1], p[2])
    if name == "event":
        return "event %s dir=%d msg=%d alert=%d/%d clean=%d early=%d data=%d bytes" % (
            EVENTS.get(p[0], p[0]), p[1], p[2], p[3], p[4], p[5], p[6], len(p) - 7)
    if name == "end":
        return "end closed=%d error=%d kind=%d alert=%d unconsumed=%d bytes" % (p[0], p[1], p[2], p[3], len(p) - 4)
    return "%s %d bytes" % (name, len(p))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    counts = {}
    try:
        for etype, payload in entries(data):
            counts[NAMES[etype]] = counts.get(NAMES[etype], 0) + 1
            if "--summary" not in argv:
                print(describe(etype, payload))
    except ValueError as e:
        sys.stderr.write("read_capture: %s: %s\n" % (argv[1], e))
        return 1
    print("summary: " + ", ".join("%s=%d" % kv for kv in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
