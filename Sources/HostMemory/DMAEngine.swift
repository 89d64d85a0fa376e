/// The device's path to host memory: every read and write the NIC makes (descriptor fetches, payload reads,
/// write-backs) goes through here.
///
/// Mirrors the bus-master DMA interface of a PCIe device. This first cut reaches physical memory directly (no
/// IOMMU) and counts what it does; a fault is counted, remembered in ``lastFault`` and rethrown for the device
/// to turn into state (descriptor error, counter, fault interrupt). A final class, so that an IOMMU with its own
/// IOTLB can later sit inside it without changing callers.
public final class DMAEngine {
    /// Counts of the engine's transfers.
    public struct Counters: Hashable, Sendable {
        /// Successful read transfers (device reads host memory), integer reads included.
        public var reads: UInt64
        /// Successful write transfers (device writes host memory), integer writes included.
        public var writes: UInt64
        /// Bytes moved by successful reads.
        public var bytesRead: UInt64
        /// Bytes moved by successful writes.
        public var bytesWritten: UInt64
        /// Transfers refused with a ``MemoryFault``.
        public var faults: UInt64

        /// Creates counters with the given values, all zero by default.
        @inlinable
        public init(
            reads: UInt64 = 0, writes: UInt64 = 0, bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0,
            faults: UInt64 = 0
        ) {
            self.reads = reads
            self.writes = writes
            self.bytesRead = bytesRead
            self.bytesWritten = bytesWritten
            self.faults = faults
        }
    }

    /// The memory the device reaches.
    public let memory: PhysicalMemory

    /// The engine's counters.
    public var counters: Counters { _counters }

    /// The most recent fault, if any.
    public var lastFault: MemoryFault? { _lastFault }

    @usableFromInline var _counters = Counters()
    @usableFromInline var _lastFault: MemoryFault?

    /// Creates an engine with direct access to `memory`.
    public init(memory: PhysicalMemory) {
        self.memory = memory
    }

    /// Reads `count` bytes at `address` into `destination[offset..<offset + count]` (a device read request).
    ///
    /// - Precondition: `destination` has room (the device model's own buffer).
    /// - Throws: The faults of ``PhysicalMemory/check(_:length:)``.
    @inlinable
    public func read(
        _ address: PhysicalAddress, count: Int, into destination: inout [UInt8], at offset: Int
    ) throws(MemoryFault) {
        do throws(MemoryFault) {
            try memory.read(address, count: count, into: &destination, at: offset)
        } catch {
            throw recordFault(error)
        }
        countRead(count)
    }

    /// Writes `source[offset..<offset + count]` to `address` (a device write request).
    ///
    /// - Precondition: `source` holds the bytes (the device model's own buffer).
    /// - Throws: The faults of ``PhysicalMemory/check(_:length:)``.
    @inlinable
    public func write(
        _ address: PhysicalAddress, from source: [UInt8], at offset: Int, count: Int
    ) throws(MemoryFault) {
        do throws(MemoryFault) {
            try memory.write(address, from: source, at: offset, count: count)
        } catch {
            throw recordFault(error)
        }
        countWrite(count)
    }

    /// Reads the byte at `address`.
    @inlinable public func readUInt8(_ address: PhysicalAddress) throws(MemoryFault) -> UInt8 {
        try load(address, as: UInt8.self)
    }

    /// Reads an unaligned little-endian 16-bit value (a descriptor field).
    @inlinable public func readUInt16LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt16 {
        try load(address, as: UInt16.self)
    }

    /// Reads an unaligned little-endian 32-bit value (a descriptor field).
    @inlinable public func readUInt32LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt32 {
        try load(address, as: UInt32.self)
    }

    /// Reads an unaligned little-endian 64-bit value (a descriptor address field).
    @inlinable public func readUInt64LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt64 {
        try load(address, as: UInt64.self)
    }

    /// Writes one byte (a descriptor status byte, for example descriptor-done write-back).
    @inlinable public func writeUInt8(_ address: PhysicalAddress, _ value: UInt8) throws(MemoryFault) {
        try store(address, value)
    }

    /// Writes `value` as unaligned little-endian 16 bits.
    @inlinable public func writeUInt16LE(_ address: PhysicalAddress, _ value: UInt16) throws(MemoryFault) {
        try store(address, value)
    }

    /// Writes `value` as unaligned little-endian 32 bits.
    @inlinable public func writeUInt32LE(_ address: PhysicalAddress, _ value: UInt32) throws(MemoryFault) {
        try store(address, value)
    }

    /// Writes `value` as unaligned little-endian 64 bits.
    @inlinable public func writeUInt64LE(_ address: PhysicalAddress, _ value: UInt64) throws(MemoryFault) {
        try store(address, value)
    }

    @inlinable
    func load<T: FixedWidthInteger & UnsignedInteger>(_ address: PhysicalAddress, as type: T.Type) throws(MemoryFault)
        -> T
    {
        let value: T
        do throws(MemoryFault) {
            value = try memory.loadLittleEndian(address, as: T.self)
        } catch {
            throw recordFault(error)
        }
        countRead(MemoryLayout<T>.size)
        return value
    }

    @inlinable
    func store<T: FixedWidthInteger & UnsignedInteger>(_ address: PhysicalAddress, _ value: T) throws(MemoryFault) {
        do throws(MemoryFault) {
            try memory.storeLittleEndian(address, value)
        } catch {
            throw recordFault(error)
        }
        countWrite(MemoryLayout<T>.size)
    }

    @inlinable
    func countRead(_ bytes: Int) {
        _counters.reads &+= 1
        _counters.bytesRead &+= UInt64(bytes)
    }

    @inlinable
    func countWrite(_ bytes: Int) {
        _counters.writes &+= 1
        _counters.bytesWritten &+= UInt64(bytes)
    }

    /// Counts and remembers a fault, returning it for rethrowing.
    @usableFromInline
    func recordFault(_ fault: MemoryFault) -> MemoryFault {
        _counters.faults &+= 1
        _lastFault = fault
        return fault
    }
}
