/// A run of physically contiguous bytes: what one DMA descriptor (address field plus length field) can describe.
public struct PhysicalRange: Hashable, Sendable {
    /// The first byte of the run.
    public var address: PhysicalAddress
    /// The number of bytes in the run.
    public var length: Int

    /// Describes `length` bytes starting at `address`.
    @inlinable public init(address: PhysicalAddress, length: Int) {
        self.address = address
        self.length = length
    }
}

extension PhysicalRange {
    /// Appends `length` bytes at `address` to `pieces`, extending the last piece instead when it was appended by
    /// the same operation (index ≥ `firstNew`) and ends exactly where this one starts.
    ///
    /// Does not allocate when `pieces` has spare capacity.
    @inlinable
    static func appendMerging(
        _ address: UInt64, length: Int, to pieces: inout [PhysicalRange], firstNew: Int
    ) {
        let last = pieces.count - 1
        if last >= firstNew && pieces[last].address.rawValue &+ UInt64(pieces[last].length) == address {
            pieces[last].length += length
        } else {
            pieces.append(PhysicalRange(address: PhysicalAddress(rawValue: address), length: length))
        }
    }
}
