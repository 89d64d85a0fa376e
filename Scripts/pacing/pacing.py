#!/usr/bin/env python3
"""The receiving side of Scripts/pacing-measure.sh.

  pacing.py receive ADDRESS PORT COUNT SECONDS OUT
      Binds a UDP socket, turns on SO_TIMESTAMPNS (the kernel stamps each datagram when it arrives, before this
      program reads it), prints "ready", and records every arrival's timestamp (ns) and the first 16 bytes of its
      payload until COUNT datagrams arrived, 1.5 s passed without one after the first, or SECONDS passed. Writes
      them to OUT as JSON.

  pacing.py analyze ARRIVALS (--pcap FILE | --sequenced) LABEL [--json OUT]
      Pairs each arrival with its send time and prints one line of figures.
      --pcap: nicsim's capture of what its server sent (pcap, nanosecond virtual timestamps). nicsim's payload
        carries no number, so datagram k is the k-th arrival; this is exact when nothing was lost (over a tap in
        one namespace, datagrams are not reordered) and the line says how many were lost otherwise.
      --sequenced: the payload holds k and its due time relative to datagram 0 (Scripts/pacing/pace_send.c).
      Each arrival's error is its arrival time minus its send time, less the median of those differences (the
      offset between the clocks and the constant path delay): so an error is how much later or earlier than the
      typical datagram this one arrived. Percentiles are of the absolute error. The jitter is RFC 3550's
      interarrival jitter (section 6.4.1: J += (|D| - J) / 16, D the change in transit time between consecutive
      datagrams), its value after the last datagram and its largest.
"""
import json
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def receive(address, port, count, seconds, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((address, port))
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    stamps, heads = [], []
    last = None
    while len(stamps) < count:
        now = time.monotonic()
        wait = deadline - now
        if last is not None:
            wait = min(wait, last + 1.5 - now)
        if wait <= 0:
            break
        s.settimeout(wait)
        try:
            data, ancillary, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(16))
        except socket.timeout:
            break
        last = time.monotonic()
        stamp = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                seconds_part, nanoseconds = struct.unpack("qq", payload[:16])
                stamp = seconds_part * 1_000_000_000 + nanoseconds
        if stamp is None:
            continue
        stamps.append(stamp)
        heads.append(data[:16].hex())
    with open(out, "w") as f:
        json.dump({"stamps": stamps, "heads": heads}, f)


def pcap_times(path):
    """Timestamps (ns) of the records of a pcap file with nanosecond (or microsecond) resolution."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{path}: not a pcap file")
    magic = data[:4]
    if magic in (b"\x4d\x3c\xb2\xa1", b"\xd4\xc3\xb2\xa1"):
        endian, scale = "<", 1 if magic == b"\x4d\x3c\xb2\xa1" else 1000
    elif magic in (b"\xa1\xb2\x3c\x4d", b"\xa1\xb2\xc3\xd4"):
        endian, scale = ">", 1 if magic == b"\xa1\xb2\x3c\x4d" else 1000
    else:
        raise SystemExit(f"{path}: not a pcap file")
    times, offset = [], 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        times.append(seconds * 1_000_000_000 + fraction * scale)
        offset += 16 + captured
    return times


def percentile(sorted_values, p):
    if not sorted_values:
        return 0
    rank = max(1, -(-len(sorted_values) * p // 100))  # nearest rank
    return sorted_values[int(min(rank, len(sorted_values))) - 1]


def analyze(arrivals_path, label, pcap=None, sequenced=False, json_out=None):
    with open(arrivals_path) as f:
        arrivals = json.load(f)
    stamps, heads = arrivals["stamps"], arrivals["heads"]
    pairs = []  # (send ns, arrival ns)
    if sequenced:
        highest = -1
        for stamp, head in zip(stamps, heads):
            raw = bytes.fromhex(head)
            if len(raw) < 16:
                continue
            k, due = struct.unpack(">QQ", raw)
            highest = max(highest, k)
            pairs.append((due, stamp))
        expected = highest + 1 if highest >= 0 else None  # datagrams lost after the last arrival are not seen
    else:
        sends = pcap_times(pcap)
        expected = len(sends)
        pairs = list(zip(sends, stamps))
    sent = expected if expected is not None else None
    received = len(stamps)
    if len(pairs) < 2:
        result = {"label": label, "received": received, "sent": sent, "error": "fewer than 2 datagrams arrived"}
        print(json.dumps(result))
        if json_out:
            with open(json_out, "w") as f:
                json.dump(result, f)
        return 1
    differences = sorted(a - s for s, a in pairs)
    median = differences[len(differences) // 2]
    errors = sorted(abs(a - s - median) for s, a in pairs)
    signed = [a - s - median for s, a in pairs]
    jitter, worst_jitter = 0.0, 0.0
    for (s0, a0), (s1, a1) in zip(pairs, pairs[1:]):
        d = (a1 - a0) - (s1 - s0)
        jitter += (abs(d) - jitter) / 16
        worst_jitter = max(worst_jitter, jitter)
    span = (pairs[-1][1] - pairs[0][1]) / 1e9
    result = {
        "label": label,
        "sent": sent,
        "received": received,
        "lost": (sent - received) if sent is not None else None,
        "errorP50Ns": percentile(errors, 50),
        "errorP99Ns": percentile(errors, 99),
        "errorP999Ns": percentile(errors, 99.9),
        "errorMaxNs": errors[-1],
        "earliestNs": min(signed),
        "latestNs": max(signed),
        "jitterNs": round(jitter),
        "jitterMaxNs": round(worst_jitter),
        "arrivalRate": round((len(pairs) - 1) / span, 1) if span > 0 else 0,
    }
    lost = f", {result['lost']} lost" if result.get("lost") else ""
    print(f"{label:<28} {received:>6} datagrams{lost}, error p50 {result['errorP50Ns'] / 1e3:8.1f} us  p99 "
          f"{result['errorP99Ns'] / 1e3:8.1f} us  p99.9 {result['errorP999Ns'] / 1e3:8.1f} us  max "
          f"{result['errorMaxNs'] / 1e3:8.1f} us; jitter (RFC 3550) {result['jitterNs'] / 1e3:6.1f} us "
          f"(max {result['jitterMaxNs'] / 1e3:.1f}); {result['arrivalRate']:.0f}/s", flush=True)
    if json_out:
        with open(json_out, "w") as f:
            json.dump(result, f)
    return 0


def main(argv):
    if len(argv) >= 7 and argv[1] == "receive":
        receive(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6])
        return 0
    if len(argv) >= 5 and argv[1] == "analyze":
        arrivals, mode = argv[2], argv[3]
        rest = argv[4:]
        pcap = None
        if mode == "--pcap":
            pcap, rest = rest[0], rest[1:]
        elif mode != "--sequenced":
            raise SystemExit("analyze: expected --pcap FILE or --sequenced")
        label = rest[0]
        json_out = rest[2] if len(rest) >= 3 and rest[1] == "--json" else None
        return analyze(arrivals, label, pcap=pcap, sequenced=(mode == "--sequenced"), json_out=json_out)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
