import SimCore

// Speed layer: how this module's events pack into an ``SimCore/Event``'s kind and two words. The packing keeps
// every event 32 bytes with no references inside, so the simulator's heap moves plain bytes (no retain, release or
// boxing per event); the model files only see the enums. The kind numbers and bit positions are part of every
// kept fingerprint (`Fixtures/fingerprints.tsv`) and must not change.

extension ApplicationEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        let index = Int(truncatingIfNeeded: a)
        switch kind {
        case 1: self = .call(index)
        case 2: self = .install(policy: index)
        case 3: self = .remove(policy: index)
        default: return nil
        }
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .call(let w): (1, UInt64(w), 0)
        case .install(let k): (2, UInt64(k), 0)
        case .remove(let k): (3, UInt64(k), 0)
        }
    }
}

extension StreamEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        guard kind == 1 else { return nil }
        self = .interval(Int(truncatingIfNeeded: a))
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .interval(let index): (1, UInt64(index), 0)
        }
    }
}

extension FaultEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        let fault = Int(truncatingIfNeeded: a)
        switch kind {
        case 1: self = .open(fault: fault)
        case 2: self = .close(fault: fault)
        case 3: self = .flush(fault: fault)
        case 4: self = .call(fault: fault)
        case 5: self = .kill(fault: fault)
        default: return nil
        }
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .open(let i): (1, UInt64(i), 0)
        case .close(let i): (2, UInt64(i), 0)
        case .flush(let i): (3, UInt64(i), 0)
        case .call(let i): (4, UInt64(i), 0)
        case .kill(let i): (5, UInt64(i), 0)
        }
    }
}
