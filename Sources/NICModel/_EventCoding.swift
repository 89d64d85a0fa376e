import SimCore

// Speed layer: how the NIC's events pack into an ``SimCore/Event``'s kind and two words. The packing keeps every
// event 32 bytes with no references inside, so the simulator's heap moves plain bytes (no retain, release or boxing
// per event); the model files only see ``NICEvent``. The kind numbers and bit positions are part of every kept
// fingerprint (`Fixtures/fingerprints.tsv`) and must not change.

extension NICEvent {
    /// A NIC event with the device generation (``NIC/generation``) it was scheduled in: what the simulator queues.
    struct Stamped: EventPayload {
        var event: NICEvent
        var generation: UInt64

        init(_ event: NICEvent, generation: UInt64) {
            self.event = event
            self.generation = generation
        }

        /// The generation an event was stamped with, read without unpacking the rest.
        @inline(__always)
        static func generation(of event: Event) -> UInt64 { event.b }

        // `b` carries the generation; `a` the arguments. Receive landings pack theirs as frame (bits 0–31), queue
        // (32–39), descriptors (40–47) and RCTL.BSIZE (48–49).
        @inline(__always)
        init?(kind: UInt32, a: UInt64, b: UInt64) {
            generation = b
            switch kind {
            case 1: event = .descriptorsArrived(queue: Int(truncatingIfNeeded: a))
            case 2: event = .packetFetched(queue: Int(a & 0xFF))
            case 3: event = .transmitDone
            case 4: event = .fetchSlot
            case 5: event = .macWake
            case 6:
                event = .receiveLanded(
                    frame: FrameHandle(rawValue: UInt32(truncatingIfNeeded: a)), queue: Int((a >> 32) & 0xFF),
                    descriptors: Int((a >> 40) & 0xFF), bufferSize: 2048 >> Int((a >> 48) & 3))
            case 7: event = .moderationDeadline
            case 8: event = .delayedMessage(vector: Int(truncatingIfNeeded: a))
            case 9: event = .launchFetch(queue: Int(a & 0xFF))
            case 10: event = .receiveWake
            default: return nil
            }
        }

        @inline(__always)

        var encoded: (kind: UInt32, a: UInt64, b: UInt64) {
            switch event {
            case .descriptorsArrived(let q): (1, UInt64(q), generation)
            case .packetFetched(let q): (2, UInt64(q), generation)
            case .transmitDone: (3, 0, generation)
            case .fetchSlot: (4, 0, generation)
            case .macWake: (5, 0, generation)
            case .receiveLanded(let frame, let q, let needed, let bufferSize):
                // BSIZE: 2048 >> code bytes, so code = 11 − log2(size).
                (6, UInt64(frame.rawValue) | UInt64(q) << 32 | UInt64(needed) << 40
                    | UInt64((11 - bufferSize.trailingZeroBitCount) & 3) << 48, generation)
            case .moderationDeadline: (7, 0, generation)
            case .delayedMessage(let vector): (8, UInt64(truncatingIfNeeded: vector), generation)
            case .launchFetch(let q): (9, UInt64(q), generation)
            case .receiveWake: (10, 0, generation)
            }
        }
    }
}
