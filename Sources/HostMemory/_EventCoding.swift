import SimCore

// Speed layer: how this module's events pack into an ``SimCore/Event``'s kind and two words. The packing keeps
// every event 32 bytes with no references inside, so the simulator's heap moves plain bytes (no retain, release or
// boxing per event); the model files only see the enums. The kind numbers and bit positions are part of every
// kept fingerprint (`Fixtures/fingerprints.tsv`) and must not change.

extension DMAMapperEvent: EventPayload {
    @inline(__always)
    init?(kind: UInt32, a: UInt64, b: UInt64) {
        guard kind == 0 else { return nil }
        self = .flushTimeout
    }

    @inline(__always)

    var encoded: (kind: UInt32, a: UInt64, b: UInt64) { (0, 0, 0) }
}
