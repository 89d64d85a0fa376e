/// A binary min-heap of ``Event``s keyed by (time, sequence).
///
/// Equal times come out in the order they went in (FIFO), because the sequence number breaks ties. Storage is one
/// array that only grows, so a steady-state run schedules and pops without allocating.
public struct EventQueue: Sendable {
    @usableFromInline var heap: [Event] = []

    public init(capacity: Int = 1024) { heap.reserveCapacity(capacity) }

    /// Number of pending events.
    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }
    /// The earliest pending event, if any.
    @inlinable public var first: Event? { heap.first }

    /// Adds an event.
    @inlinable public mutating func push(_ event: Event) {
        heap.append(event)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            if !heap[child].precedes(heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Event? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if heap.isEmpty { return top }
        heap[0] = last
        var parent = 0
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var best = left
            let right = left + 1
            if right < n && heap[right].precedes(heap[left]) { best = right }
            if !heap[best].precedes(heap[parent]) { break }
            heap.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
