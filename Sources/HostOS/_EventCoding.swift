import SimCore

// Speed layer: how this module's events pack into an ``SimCore/Event``'s kind and two words. The packing keeps
// every event 32 bytes with no references inside, so the simulator's heap moves plain bytes (no retain, release or
// boxing per event); the model files only see the enums. The kind numbers and bit positions are part of every
// kept fingerprint (`Fixtures/fingerprints.tsv`) and must not change.

extension HostEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        switch kind {
        case 2: self = .doorbell
        case 3: self = .interrupt(vector: Int(truncatingIfNeeded: a))
        case 4: self = .timedRelease(batch: Int(truncatingIfNeeded: a))
        case 5: self = .arpTimeout
        case 6: self = .watchdog
        case 7: self = .poll
        default: return nil
        }
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .doorbell: (2, 0, 0)
        case .interrupt(let vector): (3, UInt64(vector), 0)
        case .timedRelease(let batch): (4, UInt64(batch), 0)
        case .arpTimeout: (5, 0, 0)
        case .watchdog: (6, 0, 0)
        case .poll: (7, 0, 0)
        }
    }
}

extension PolicyClientEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        guard kind == 1 else { return nil }
        self = .retry(transaction: UInt32(truncatingIfNeeded: a))
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
        switch self {
        case .retry(let transaction): (1, UInt64(transaction), 0)
        }
    }
}
