/// Memory that reads and writes unaligned little-endian integers by address, as descriptors and registers hold
/// them: ``PhysicalMemory`` (the CPU's view) and ``DMAEngine`` (a device's view, through the IOMMU when there is
/// one). A value may cross a frame boundary.
///
/// Each conforming type says how it loads and stores one integer; the sized accessors are written once here.
public protocol LittleEndianAccess {
    /// Reads a `T` stored little-endian at `address`.
    func loadLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, as type: T.Type
    ) throws(MemoryFault) -> T

    /// Writes `value` little-endian at `address`.
    func storeLittleEndian<T: FixedWidthInteger & UnsignedInteger>(
        _ address: PhysicalAddress, _ value: T
    ) throws(MemoryFault)
}

extension LittleEndianAccess {
    /// Reads the byte at `address`.
    @inlinable public func readUInt8(_ address: PhysicalAddress) throws(MemoryFault) -> UInt8 {
        try loadLittleEndian(address, as: UInt8.self)
    }

    /// Reads an unaligned little-endian 16-bit value at `address` (a descriptor field).
    @inlinable public func readUInt16LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt16 {
        try loadLittleEndian(address, as: UInt16.self)
    }

    /// Reads an unaligned little-endian 32-bit value at `address` (a descriptor field).
    @inlinable public func readUInt32LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt32 {
        try loadLittleEndian(address, as: UInt32.self)
    }

    /// Reads an unaligned little-endian 64-bit value at `address` (a descriptor address field).
    @inlinable public func readUInt64LE(_ address: PhysicalAddress) throws(MemoryFault) -> UInt64 {
        try loadLittleEndian(address, as: UInt64.self)
    }

    /// Writes the byte `value` at `address` (a descriptor status byte, for example descriptor-done write-back).
    @inlinable public func writeUInt8(_ address: PhysicalAddress, _ value: UInt8) throws(MemoryFault) {
        try storeLittleEndian(address, value)
    }

    /// Writes `value` as unaligned little-endian 16 bits at `address`.
    @inlinable public func writeUInt16LE(_ address: PhysicalAddress, _ value: UInt16) throws(MemoryFault) {
        try storeLittleEndian(address, value)
    }

    /// Writes `value` as unaligned little-endian 32 bits at `address`.
    @inlinable public func writeUInt32LE(_ address: PhysicalAddress, _ value: UInt32) throws(MemoryFault) {
        try storeLittleEndian(address, value)
    }

    /// Writes `value` as unaligned little-endian 64 bits at `address`.
    @inlinable public func writeUInt64LE(_ address: PhysicalAddress, _ value: UInt64) throws(MemoryFault) {
        try storeLittleEndian(address, value)
    }
}
