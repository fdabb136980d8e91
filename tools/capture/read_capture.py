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
    # Version 2: the client's options and the answers of the state outside the connection.
    0x03: "client_options", 0x40: "cache_get", 0x41: "cache_put", 0x42: "cache_remove", 0x43: "ticket_open",
    0x44: "ticket_seal", 0x45: "early_data_check", 0x46: "async_answer", 0x47: "hook_answer",
}
V2_ONLY = {0x03, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47}
EVENTS = {0: "handshake_done", 1: "app_data", 2: "alert_received", 3: "closed", 4: "handshake_message",
          5: "session_ticket", 6: "peer_authenticated", 7: "sign_request", 8: "decrypt_request",
          9: "verify_request", 10: "select_request"}


def entries(data):
    """Yields (type, payload) for each entry; raises ValueError on a malformed file."""
    if data[:8] != MAGIC:
        raise ValueError("bad magic")
    if len(data) < 10:
        raise ValueError("truncated header")
    (version,) = struct.unpack(">H", data[8:10])
    if version not in (1, 2):
        raise ValueError("unsupported version %d" % version)
    pos = 10
    while pos < len(data):
        if pos + 5 > len(data):
            raise ValueError("truncated entry header at offset %d" % pos)
        etype, length = struct.unpack(">BI", data[pos:pos + 5])
        if pos + 5 + length > len(data):
            raise ValueError("truncated entry at offset %d" % pos)
        if etype not in NAMES or (version == 1 and etype in V2_ONLY):
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
    if name == "client_options":
        (nlen,) = struct.unpack(">H", p[0:2])
        at = 2 + nlen + 1
        (elen,) = struct.unpack(">I", p[at:at + 4])
        (slen,) = struct.unpack(">I", p[at + 4 + elen:at + 8 + elen])
        return "client_options verify_name=%r no_name_check=%d early_data=%d bytes session=%d bytes" % (
            p[2:2 + nlen].decode(), p[2 + nlen], elen, slen)
    if name in ("cache_get", "early_data_check"):
        return "%s key=%s %s=%d%s" % (name, p[1:1 + p[0]].hex(), "found" if name == "cache_get" else "first_use",
                                      p[1 + p[0]], "" if name == "early_data_check" else
                                      " session=%d bytes" % (len(p) - 2 - p[0]))
    if name in ("ticket_open", "ticket_seal"):
        (klen,) = struct.unpack(">I", p[0:4])
        if name == "ticket_open":
            return "ticket_open ticket=%d bytes opened=%d plaintext=%d bytes" % (klen, p[4 + klen], len(p) - 5 - klen)
        return "ticket_seal plaintext=%d bytes ticket=%d bytes" % (klen, len(p) - 4 - klen)
    if name == "async_answer":
        op, hlen = p[0], p[1]
        rest = p[2 + hlen:]
        head = "async_answer %s request_hash=%s" % (EVENTS.get(op, op), p[2:2 + hlen].hex()[:16])
        if op in (7, 8):
            return head + " has_answer=%d answer=%d bytes" % (rest[0], struct.unpack(">I", rest[1:5])[0])
        if op == 9:
            return head + " ok=%d alert=%d" % (rest[0], rest[1])
        return head + " ok=%d alert=%d certificate=%d" % (rest[0], rest[1], struct.unpack(">H", rest[2:4])[0])
    if name == "hook_answer":
        hook, hlen = p[0], p[1]
        rest = p[2 + hlen:]
        head = "hook_answer %s request_hash=%s" % ({1: "verify", 2: "select", 3: "alpn"}.get(hook, hook),
                                                   p[2:2 + hlen].hex()[:16])
        if hook == 1:
            return head + " ok=%d alert=%d" % (rest[0], rest[1])
        if hook == 2:
            return head + " ok=%d alert=%d certificate=%d" % (rest[0], rest[1], struct.unpack(">H", rest[2:4])[0])
        (plen,) = struct.unpack(">H", rest[1:3])
        return head + " decision=%s protocol=%s" % ({0: "select", 1: "none", 2: "refuse"}.get(rest[0], rest[0]),
                                                    rest[3:3 + plen].hex())
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
