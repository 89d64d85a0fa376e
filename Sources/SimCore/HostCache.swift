internal import CPrefetch

/// Prefetch hints for the host processor's caches: the emulator's own memory, not anything it models.
///
/// With thousands of destinations the state of each (its buffer, its page-table entry, its switch port, its link,
/// its receiver) is touched once per round and has left the caches by its next turn. Where a component knows what
/// it will touch a little later (the next packet's buffers while it copies this one, the link a frame will reach
/// when its serialization ends), it says so here, and the wait for main memory overlaps other work. A hint never
/// changes what a run computes, counts or schedules: the same scenario gives the same events, report and pcap bytes
/// with or without it. Prefetching an address that is not mapped does not fault.
public enum HostCache {
    /// Hints every cache line of [`address`, `address + byteCount`) for a read soon.
    public static func prefetch(_ address: UnsafeRawPointer, byteCount: Int) {
        guard byteCount > 0 else { return }
        nicsim_prefetch_range(address, byteCount)
    }

    /// Hints the cache line of `array[index]` (an open-addressing table's slot, say) for a read soon; an index outside
    /// the array is ignored.
    public static func prefetch<Element>(element index: Int, of array: [Element]) {
        guard array.indices.contains(index) else { return }
        array.withUnsafeBufferPointer { nicsim_prefetch_range($0.baseAddress! + index, 1) }
    }

    /// Hints the first `byteCount` bytes (default: three cache lines) of an object for a read soon. Classes on the
    /// per-packet path keep their hot stored properties first, so the first lines are the ones a visit reads.
    public static func prefetch(object: Unretained<AnyObject>, byteCount: Int = 192) {
        nicsim_prefetch_range(object.address, byteCount)
    }
}
