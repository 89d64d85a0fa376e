import SimCore

// Speed layer: host-cache hints for the emulator's own bytes of a physical range (``FrameBackingStore``), no
// simulated effect.
extension PhysicalMemory {
    /// Hints to the processor that the bytes of [`address`, `address + count`) will be read soon, so a transfer a
    /// little later finds them in its caches instead of waiting on main memory for each line. Frames that were
    /// never allocated, or never written, and addresses past the end are skipped: a hint has no simulated effect,
    /// throws nothing and counts nothing. At most 64 KiB are hinted.
    public func prefetch(_ address: UInt64, count: Int) {
        guard count > 0, address < size else { return }
        var current = address
        let end = address + UInt64(min(count, 1 << 16, Int(size - address)))
        while current < end {
            let within = Int(current & Page.offsetMask)
            let chunk = min(Int(end - current), Page.size - within)
            let index = slot(ofFrame: Int(current >> UInt64(Page.shift)))
            if index >= 0 {
                HostCache.prefetch(UnsafeRawPointer(storage[Int(index)] + within), byteCount: chunk)
            }
            current += UInt64(chunk)
        }
    }
}
