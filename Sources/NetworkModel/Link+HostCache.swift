import SimCore

// Speed layer: what a frame entering a link will touch, brought into the host's caches while it is still on its
// way (``FrameSink/prefetch(for:to:simulator:)``), no simulated effect. Measured with the NIC's hints
// (NIC+HostCache.swift in NICModel): 1.16x per packet at 10,000 destinations, hints on against off.
extension Link {
    /// Prefetches the state ``carry(_:fromA:simulator:)`` reads for frames entering on side A (`fromA`) or B: the
    /// link's first cache line (delay and loss probability) and the direction's state.
    func prefetchDirection(fromA: Bool) {
        HostCache.prefetch(object: Unmanaged<AnyObject>.passUnretained(self), byteCount: 64)
        if fromA {
            withUnsafePointer(to: &ab) { HostCache.prefetch($0, byteCount: MemoryLayout<Direction>.size) }
        } else {
            withUnsafePointer(to: &ba) { HostCache.prefetch($0, byteCount: MemoryLayout<Direction>.size) }
        }
    }

    /// ``prefetchDirection(fromA:)`` on `link`, reached unretained.
    static func prefetchDirection(on link: Unmanaged<AnyObject>, fromA: Bool) {
        link._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Link.self).prefetchDirection(fromA: fromA) }
    }
}
