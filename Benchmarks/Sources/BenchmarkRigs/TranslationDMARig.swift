import HostMemory
import SimCore

/// The zero-copy address path of one packet, without the rest of the machine: the driver's translation buffer turns
/// a registered virtual range into physical pieces, and the device reads those pieces by DMA through an IOMMU.
///
/// ``transfer()`` does one packet's worth: translate `bytesPerTransfer` bytes at the next offset of a registered
/// buffer (cycling through it, so transfers straddle pages now and then), then read every piece into a frame-sized
/// buffer.
public final class TranslationDMARig {
    public let memory: PhysicalMemory
    public let space: AddressSpace
    public let translations: TranslationBuffer
    public let iommu: IOMMU
    public let dma: DMAEngine
    public let bytesPerTransfer: Int
    let buffer: VirtualAddress
    let bufferBytes: Int
    var offset = 0
    var pieces: [PhysicalRange] = []
    var frame: [UInt8]
    /// Bytes read by DMA so far.
    public private(set) var bytesMoved = 0

    /// - Parameters:
    ///   - bufferBytes: The registered buffer (64 KiB: 16 pages, all inside the default 64-entry IOTLB).
    ///   - bytesPerTransfer: Bytes per transfer (one 1472-byte datagram payload).
    public init(bufferBytes: Int = 64 * 1024, bytesPerTransfer: Int = 1472) throws {
        memory = PhysicalMemory(size: 64 << 20, seed: 1)
        space = AddressSpace(memory: memory, id: 0)
        translations = TranslationBuffer()
        iommu = IOMMU(configuration: IOMMU.Configuration())
        dma = DMAEngine(memory: memory, iommu: iommu)
        self.bytesPerTransfer = bytesPerTransfer
        self.bufferBytes = bufferBytes
        buffer = try space.allocate(bytes: bufferBytes)
        let bytes = (0..<bufferBytes).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try space.write(buffer, from: bytes, at: 0, count: bytes.count)
        _ = try translations.register(space: space, address: buffer, length: bufferBytes)
        // The device may reach every page of the buffer (identity I/O virtual addresses), mapped once.
        pieces.reserveCapacity(8)
        _ = translations.translate(space: space, address: buffer, length: bufferBytes, into: &pieces)
        for piece in pieces {
            try iommu.map(
                iova: IOVirtualAddress(rawValue: piece.address.pageBase.rawValue), physical: piece.address.pageBase,
                length: Int(piece.address.rawValue - piece.address.pageBase.rawValue) + piece.length,
                writable: true)
        }
        frame = [UInt8](repeating: 0, count: 2048)
    }

    /// Translates and reads one transfer; false when the translation missed (it never should).
    @discardableResult
    public func transfer() throws -> Bool {
        pieces.removeAll(keepingCapacity: true)
        let address = VirtualAddress(rawValue: buffer.rawValue + UInt64(offset))
        guard translations.translate(space: space, address: address, length: bytesPerTransfer, into: &pieces) else {
            return false
        }
        var at = 0
        for piece in pieces {
            try dma.read(PhysicalAddress(rawValue: piece.address.rawValue), count: piece.length, into: &frame, at: at)
            at += piece.length
        }
        _ = dma.takeAddedLatency()
        bytesMoved += at
        offset += bytesPerTransfer
        if offset + bytesPerTransfer > bufferBytes { offset = 0 }
        return true
    }
}
