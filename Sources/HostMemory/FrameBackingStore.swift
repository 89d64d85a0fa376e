#if canImport(Glibc)
import Glibc
#endif

/// The emulator's own bytes behind ``PhysicalMemory``: 4 KiB of host memory for each frame that has been written.
/// Speed layer, not model: the model (which frames exist, which are allocated, what an address reads) is
/// ``PhysicalMemory``; this store only decides where in the host a frame's bytes live, which no result depends on.
///
/// What its layout buys, measured (BENCHMARKS.md, "Scaling"): frames come from arenas that double from 64 KiB to
/// 2 MiB, the 2 MiB ones aligned and advised for transparent huge pages, so 10,000 payload pages are reached through
/// some twenty host TLB entries and a prefetch does not stall on a page walk; and frames lie one cache line more
/// than 4 KiB apart (a colour per frame, as slab allocators colour objects), so page-aligned buffers do not all
/// land in the same sets of the host's caches: 2–6 % per packet at 10,000 destinations (pair ratios 0.984 and
/// 0.944), within the noise on small worlds.
@usableFromInline
struct FrameBackingStore {
    /// The 4 KiB of each written frame, in order of first write. Raw pointers rather than arrays: reaching a frame's
    /// bytes costs no reference counting.
    @usableFromInline var frames: [UnsafeMutableRawPointer] = []
    var arenas: [UnsafeMutableRawPointer] = []
    var arenaNext: UnsafeMutableRawPointer?
    var arenaFramesLeft = 0
    var nextArenaPages = 16
    static let largestArenaPages = 512
    /// Host bytes from one frame's storage to the next within an arena: 4 KiB and one cache line. A 2 MiB arena
    /// then holds 504 frames.
    static let frameStride = Page.size + 64

    init() {}

    /// Frames that have storage.
    @inlinable var count: Int { frames.count }

    /// The bytes of stored frame `index` (`0 ..< count`).
    @inlinable subscript(index: Int) -> UnsafeMutableRawPointer { frames[index] }

    /// Gives one more frame 4 KiB of zeroed storage; returns its index.
    mutating func addZeroedFrame() -> Int {
        let frame = take()
        frame.initializeMemory(as: UInt8.self, repeating: 0, count: Page.size)
        frames.append(frame)
        return frames.count - 1
    }

    /// Frees every arena (the owner's `deinit`).
    func deallocate() {
        for arena in arenas { arena.deallocate() }
    }

    /// Storage for one more frame from the current arena, starting a new arena when it is used up.
    private mutating func take() -> UnsafeMutableRawPointer {
        if arenaFramesLeft == 0 {
            let pages = nextArenaPages
            let bytes = pages * Page.size
            let huge = pages == Self.largestArenaPages
            let arena = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? bytes : Page.size)
            #if canImport(Glibc)
            // Only advice: without transparent huge pages the arena is ordinary memory.
            if huge { _ = madvise(arena, bytes, MADV_HUGEPAGE) }
            #endif
            arenas.append(arena)
            arenaNext = arena
            arenaFramesLeft = bytes / Self.frameStride
            nextArenaPages = min(pages * 2, Self.largestArenaPages)
        }
        // Set just above whenever no frames are left.
        guard let frame = arenaNext else { preconditionFailure("an arena without a next frame") }
        arenaNext = frame + Self.frameStride
        arenaFramesLeft -= 1
        return frame
    }
}
