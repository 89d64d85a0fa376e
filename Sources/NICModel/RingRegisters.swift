/// The register block every descriptor queue has (datasheet §2.2): base, length, head, tail and the enable bit.
///
/// Transmit and receive queues share the layout and the refusal rules; only a head write differs (it must also
/// move the queue's own fetch or fill position), so each queue supplies ``moveHead(to:idle:)``.
protocol RingRegisters {
    var baseLow: UInt32 { get set }
    var baseHigh: UInt32 { get set }
    var lengthBytes: UInt32 { get set }
    var head: UInt32 { get set }
    var tail: UInt32 { get set }
    var enabled: Bool { get set }
    /// Moves the head during initialisation; false when the queue has work in flight and refuses.
    mutating func moveHead(to value: UInt32, idle: Bool) -> Bool
}

extension RingRegisters {
    /// Descriptors in the ring (every descriptor is 16 bytes).
    var ringCount: UInt32 { lengthBytes / 16 }
    var ringBase: UInt64 { UInt64(baseHigh) << 32 | UInt64(baseLow) }

    func read(_ field: UInt32) -> UInt32 {
        switch field {
        case NICRegister.QueueOffset.baseLow: baseLow
        case NICRegister.QueueOffset.baseHigh: baseHigh
        case NICRegister.QueueOffset.length: lengthBytes
        case NICRegister.QueueOffset.head: head
        case NICRegister.QueueOffset.tail: tail
        case NICRegister.QueueOffset.control: enabled ? NICRegister.QueueOffset.enableBit : 0
        default: 0
        }
    }

    /// Applies a register write; false when the device refuses it (datasheet §2.4). `directionEnabled` is
    /// `TCTL.EN` or `RCTL.EN`: the head moves only while the queue is idle, as on the 8254x.
    mutating func write(_ field: UInt32, _ value: UInt32, directionEnabled: Bool) -> Bool {
        switch field {
        case NICRegister.QueueOffset.baseLow:
            guard value & 0xF == 0 else { return false }
            baseLow = value
        case NICRegister.QueueOffset.baseHigh: baseHigh = value
        case NICRegister.QueueOffset.length:
            guard value != 0, value % 16 == 0, value <= 65_536 * 16 else { return false }
            lengthBytes = value
        case NICRegister.QueueOffset.head:
            guard value < max(ringCount, 1) else { return false }
            return moveHead(to: value, idle: !directionEnabled || !enabled)
        case NICRegister.QueueOffset.tail:
            guard value < ringCount else { return false }
            tail = value
        case NICRegister.QueueOffset.control:
            enabled = value & NICRegister.QueueOffset.enableBit != 0
        default: return false
        }
        return true
    }
}
