/// One value in a trace record: a count, an address, a time or a word.
public enum TraceValue: Sendable, Equatable {
    case int(Int64)
    /// Shown in hexadecimal (addresses, masks).
    case address(UInt64)
    case time(SimTime)
    case text(String)

    /// The value as a trace shows it.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .address(let v): return "0x" + String(v, radix: 16)
        case .time(let t): return SimDuration(rawValue: t.rawValue).description
        case .text(let s): return s
        }
    }
}

/// One thing a component did, for `--trace`, charts and tools.
///
/// Records are made only while a ``Tracer`` is attached to the simulator, so the cost of tracing is a nil check
/// when it is off. `event` is a short fixed name (`descriptor-write`, `dma-read`, `wire`); `fields` carry the
/// details in a fixed order per event name (descriptor indices, addresses, lengths, occupancies).
public struct TraceRecord: Sendable {
    public var time: SimTime
    /// The component's name (`server.nic`, `switch`, `rx1`).
    public var component: String
    public var event: String
    public var fields: [(name: String, value: TraceValue)]

    public init(time: SimTime, component: String, event: String, fields: [(name: String, value: TraceValue)] = []) {
        self.time = time
        self.component = component
        self.event = event
        self.fields = fields
    }

    /// The integer value of the field `name`, if present.
    public func int(_ name: String) -> Int64? {
        for f in fields where f.name == name {
            switch f.value {
            case .int(let v): return v
            case .address(let v): return Int64(bitPattern: v)
            case .time(let t): return t.rawValue
            case .text: return nil
            }
        }
        return nil
    }

    /// The text value of the field `name`, if present.
    public func text(_ name: String) -> String? {
        for f in fields where f.name == name { if case .text(let s) = f.value { return s } }
        return nil
    }
}

/// Receives trace records as components make them, in simulation order.
public protocol Tracer: AnyObject {
    func record(_ record: TraceRecord)
}

/// Passes every record to several tracers (for example a text trace and a chart recorder).
public final class TraceFanOut: Tracer {
    public let tracers: [any Tracer]
    public init(_ tracers: [any Tracer]) { self.tracers = tracers }
    public func record(_ record: TraceRecord) { for t in tracers { t.record(record) } }
}

extension Simulator {
    /// Records a trace event at the current time when a tracer is attached. Call sites should test
    /// ``tracer`` first so that building `fields` costs nothing when tracing is off.
    @inlinable public func trace(_ component: String, _ event: String, _ fields: [(name: String, value: TraceValue)]) {
        tracer?.record(TraceRecord(time: now, component: component, event: event, fields: fields))
    }
}

/// Looks at a running simulation every ``Simulator/monitorInterval`` events: for progress displays and to stop a
/// run on request (a signal).
public protocol RunMonitor: AnyObject {
    /// Returns false to end the run now (the run returns ``Simulator/RunOutcome/interrupted``).
    func shouldContinue(_ simulator: Simulator) -> Bool
}

extension FrameStore {
    /// Fields that identify an Ethernet/IPv4/UDP frame in a trace: its length, and when present the IPv4
    /// identification, destination address and UDP destination port (read by fixed offsets; anything else shows
    /// only the length).
    public func traceFields(of frame: FrameHandle) -> [(name: String, value: TraceValue)] {
        let base = offset(of: frame)
        let n = length(of: frame)
        var fields: [(name: String, value: TraceValue)] = [("bytes", .int(Int64(n)))]
        guard n >= 34, bytes[base + 12] == 0x08, bytes[base + 13] == 0x00 else { return fields }
        let ip = base + 14
        let id = Int64(bytes[ip + 4]) << 8 | Int64(bytes[ip + 5])
        let dst = "\(bytes[ip + 16]).\(bytes[ip + 17]).\(bytes[ip + 18]).\(bytes[ip + 19])"
        fields.append(("ip-id", .int(id)))
        let ihl = Int(bytes[ip] & 0x0F) * 4
        if bytes[ip + 9] == 17, ihl >= 20, n >= 14 + ihl + 8 {
            let port = Int(bytes[ip + ihl + 2]) << 8 | Int(bytes[ip + ihl + 3])
            fields.append(("to", .text("\(dst):\(port)")))
        } else {
            fields.append(("to", .text(dst)))
        }
        return fields
    }
}
