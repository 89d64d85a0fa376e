/// The register block every descriptor queue has (datasheet §2.2): base, length, head, tail and the enable bit.
///
/// Transmit and receive queues share the layout and the refusal rules; only a head write differs (it must also
/// move the queue's own fetch or fill position), so each queue supplies ``moveHead(to:idle:)``.
protocol RingRegisters {
    /// The queue's copy of the block.
    var registers: QueueRegisterBlock { get set }
    /// Moves the head during initialisation; false when the queue has work in flight and refuses.
    mutating func moveHead(to value: UInt32, idle: Bool) -> Bool
}

/// The values of one queue's register block, as the driver last wrote them (the head also as the device moved it).
struct QueueRegisterBlock {
    /// `TDBAL`/`RDBAL`, `TDBAH`/`RDBAH`: the ring's base address, low and high halves.
    var baseLow: UInt32 = 0
    var baseHigh: UInt32 = 0
    /// `TDLEN`/`RDLEN`: the ring's length in bytes.
    var lengthBytes: UInt32 = 0
    /// `TDH`/`RDH`: the next descriptor the device completes (whose write-back the driver will see).
    var head: UInt32 = 0
    /// `TDT`/`RDT`: one past the last descriptor the driver has posted.
    var tail: UInt32 = 0
    /// `ENABLE`, bit 25 of the queue control register (`TXDCTL`/`RXDCTL`).
    var enabled: Bool
}

extension RingRegisters {
    /// The head, tail and enable bit, as the queue's own logic reads and moves them.
    var head: UInt32 {
        get { registers.head }
        set { registers.head = newValue }
    }
    var tail: UInt32 {
        get { registers.tail }
        set { registers.tail = newValue }
    }
    var enabled: Bool {
        get { registers.enabled }
        set { registers.enabled = newValue }
    }

    /// Descriptors in the ring (every descriptor is 16 bytes).
    var ringCount: UInt32 { registers.lengthBytes / 16 }
    var ringBase: UInt64 { UInt64(registers.baseHigh) << 32 | UInt64(registers.baseLow) }

    func read(_ field: UInt32) -> UInt32 {
        switch field {
        case NICRegister.QueueOffset.baseLow: registers.baseLow
        case NICRegister.QueueOffset.baseHigh: registers.baseHigh
        case NICRegister.QueueOffset.length: registers.lengthBytes
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
            registers.baseLow = value
        case NICRegister.QueueOffset.baseHigh: registers.baseHigh = value
        case NICRegister.QueueOffset.length:
            guard value != 0, value % 16 == 0, value <= 65_536 * 16 else { return false }
            registers.lengthBytes = value
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
