#!/usr/bin/env python3
"""Summarises a Perfetto trace written by `nicsim run ... --perfetto FILE` as JSON, reading it with Perfetto's own
protobuf definitions (`pip install perfetto`: perfetto.protos.perfetto.trace.perfetto_trace_pb2).

Usage: perfetto-summary.py FILE

Prints {"packets", "processes", "tracks": {"PROCESS/TRACK": {"begin", "end", "instant", "counter"}},
"counterTracks": [...], "flows": {"write", "packet", "datagram", "datagramsDelivered"}, "unbalanced": [...],
"descriptorWrites", "descriptorsFetched", "firstTimestampNs", "lastTimestampNs"} (timestamps of events other than
slice ends).
A datagram counts as delivered when one flow links its frame on the server's wire, a switch port, a link and a
receiver's arrivals track. The tests (Tests/EndToEndTests/TimelineTests.swift) compare these counts with the report.
"""
import json
import sys

from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import Trace, TrackEvent


def main(path):
    trace = Trace()
    with open(path, "rb") as f:
        trace.ParseFromString(f.read())
    names = {}
    parents = {}
    processes = []
    counter_tracks = []
    for p in trace.packet:
        if p.HasField("track_descriptor"):
            d = p.track_descriptor
            if d.HasField("process"):
                names[d.uuid] = d.process.process_name
                processes.append(d.process.process_name)
            else:
                names[d.uuid] = d.name
                parents[d.uuid] = d.parent_uuid
                if d.HasField("counter"):
                    counter_tracks.append(names.get(d.parent_uuid, "?") + "/" + d.name)

    def full(uuid):
        return names.get(parents.get(uuid), "?") + "/" + names.get(uuid, "?")

    kinds = {TrackEvent.TYPE_SLICE_BEGIN: "begin", TrackEvent.TYPE_SLICE_END: "end",
             TrackEvent.TYPE_INSTANT: "instant", TrackEvent.TYPE_COUNTER: "counter"}
    tracks = {}
    flows = {}
    descriptor_writes = 0
    fetched = 0
    first = last = None
    for p in trace.packet:
        if not p.HasField("track_event"):
            continue
        e = p.track_event
        if e.track_uuid not in names:
            raise SystemExit("event on an undeclared track %d" % e.track_uuid)
        name = full(e.track_uuid)
        counts = tracks.setdefault(name, {"begin": 0, "end": 0, "instant": 0, "counter": 0})
        counts[kinds[e.type]] += 1
        if e.type != TrackEvent.TYPE_SLICE_END:
            first = p.timestamp if first is None else min(first, p.timestamp)
            last = p.timestamp if last is None else max(last, p.timestamp)
        if name.endswith("/driver") and (e.name.startswith("descriptor ") or e.name.startswith("context descriptor ")):
            descriptor_writes += 1
        if name.endswith(": fetch"):
            fetched += sum(a.int_value for a in e.debug_annotations if a.name == "count")
        for f in list(e.flow_ids) + list(e.terminating_flow_ids):
            flows.setdefault(f, []).append((p.timestamp, name))
    unbalanced = [t for t, c in tracks.items() if c["begin"] != c["end"]]
    kind_of = {1: "write", 2: "packet", 3: "datagram"}
    flow_counts = {"write": 0, "packet": 0, "datagram": 0, "datagramsDelivered": 0}
    for f, events in flows.items():
        kind = kind_of.get(f >> 62, "other")
        flow_counts[kind] = flow_counts.get(kind, 0) + 1
        if kind == "datagram":
            where = [n for _, n in sorted(events)]
            if ("transmit" in where[0] and any(n.startswith("switch/port") for n in where)
                    and any(n.startswith("links/switch") for n in where) and where[-1].endswith("/arrivals")):
                flow_counts["datagramsDelivered"] += 1
    json.dump({"packets": len(trace.packet), "processes": processes, "tracks": tracks,
               "counterTracks": counter_tracks, "flows": flow_counts, "unbalanced": unbalanced,
               "descriptorWrites": descriptor_writes, "descriptorsFetched": fetched,
               "firstTimestampNs": first, "lastTimestampNs": last},
              sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
