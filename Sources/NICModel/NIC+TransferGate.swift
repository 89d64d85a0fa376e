import HostMemory

/// The kinds of DMA transfer the device makes: its bus traffic to host memory, by purpose (datasheet §8.1).
///
/// Not a register: how a ``DMATransferGate`` between the device and memory tells the device's transfers apart.
public struct DMATransferKinds: OptionSet, Hashable, Sendable {
    /// One bit per kind.
    public var rawValue: UInt8
    /// Wraps bits.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Reads of transmit descriptors (one transfer per descriptor of a batch, §4.2).
    public static let descriptorFetch = DMATransferKinds(rawValue: 1 << 0)
    /// Reads of transmit packet buffers (one transfer per data descriptor, §4.3).
    public static let payload = DMATransferKinds(rawValue: 1 << 1)
    /// Status writes: a transmit descriptor's `DD` (§4.5) and a receive descriptor's write-back (§11.2).
    public static let writeBack = DMATransferKinds(rawValue: 1 << 2)
    /// Receive buffer transfers: the buffer address read and the frame's write into the buffer (§11.2).
    public static let receive = DMATransferKinds(rawValue: 1 << 3)
    /// Every kind.
    public static let all: DMATransferKinds = [.descriptorFetch, .payload, .writeBack, .receive]
}

/// Something on the bus between the device and host memory that sees each transfer before it is made, and may end
/// it in a fault (a fault injector: `ScenarioWorld` installs one only when a scenario has DMA faults).
///
/// A transfer the gate fails is a DMA fault like any other: the device handles it as §8 and §8.1 say.
public protocol DMATransferGate: AnyObject {
    /// The device is about to make a transfer of `kind` of `length` bytes at `address`; throwing fails it.
    func admit(_ kind: DMATransferKinds, at address: UInt64, length: Int) throws(MemoryFault)
}

extension NIC {
    /// Offers a transfer to the gate on the device's bus, when there is one.
    @inline(__always)
    func admitTransfer(_ kind: DMATransferKinds, at address: UInt64, length: Int) throws(MemoryFault) {
        if let gate = transferGate { try gate.admit(kind, at: address, length: length) }
    }
}
