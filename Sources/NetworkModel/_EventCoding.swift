import SimCore

// Speed layer: how this module's events pack into an ``SimCore/Event``'s kind and two words. The packing keeps
// every event 32 bytes with no references inside, so the simulator's heap moves plain bytes (no retain, release or
// boxing per event); the model files only see the enums. The kind numbers and bit positions are part of every
// kept fingerprint (`Fixtures/fingerprints.tsv`) and must not change.

/// A ``Link`` event: a frame reaches the far side of one direction after the propagation delay.
enum LinkEvent: Equatable {
    /// A frame sent into side A arrives at side B's sink.
    case arriveAtB(FrameHandle)
    /// A frame sent into side B arrives at side A's sink.
    case arriveAtA(FrameHandle)
}

extension LinkEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        let frame = FrameHandle(rawValue: UInt32(truncatingIfNeeded: a))
        switch kind {
        case 0: self = .arriveAtB(frame)
        case 1: self = .arriveAtA(frame)
        default: return nil
        }
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .arriveAtB(let frame): (0, UInt64(frame.rawValue), 0)
        case .arriveAtA(let frame): (1, UInt64(frame.rawValue), 0)
        }
    }
}

/// An ``EthernetSwitch`` or ``PolicyRouter`` event (both number them alike; ``OutputPort`` schedules the second).
enum ForwardingEvent: Equatable {
    /// The forwarding latency of a frame that arrived on port `ingress` has passed.
    case forward(FrameHandle, ingress: Int)
    /// The last bit of the head frame of output port `port` has left.
    case lastBit(FrameHandle, port: Int)
}

extension ForwardingEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        let frame = FrameHandle(rawValue: UInt32(truncatingIfNeeded: a))
        let port = Int(truncatingIfNeeded: b)
        switch kind {
        case 0: self = .forward(frame, ingress: port)
        case 1: self = .lastBit(frame, port: port)
        default: return nil
        }
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .forward(let frame, let port): (0, UInt64(frame.rawValue), UInt64(port))
        case .lastBit(let frame, let port): (1, UInt64(frame.rawValue), UInt64(port))
        }
    }
}
