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
        heap.withUnsafeMutableBufferPointer { h in
            // Sift the new event up through a hole: parents move down, the event is written once.
            var child = h.count - 1
            while child > 0 {
                let parent = (child - 1) >> 1
                if !event.precedes(h[parent]) { break }
                h[child] = h[parent]
                child = parent
            }
            h[child] = event
        }
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Event? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        let n = heap.count
        if n == 0 { return top }
        heap.withUnsafeMutableBufferPointer { h in
            // Sift the former last event down from the root through a hole.
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= n { break }
                var best = left
                let right = left + 1
                if right < n && h[right].precedes(h[left]) { best = right }
                if !h[best].precedes(last) { break }
                h[parent] = h[best]
                parent = best
            }
            h[parent] = last
        }
        return top
    }
}
