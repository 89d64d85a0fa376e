import SimCore

extension PolicyRouter {
    // MARK: - Output ports (the same discipline as EthernetSwitch's)

    /// Queues `frame` on `port`, or drops it (released, counted in the port's counters). Returns true when queued.
    @discardableResult
    func enqueue(_ frame: FrameHandle, length: Int, on port: PolicyRouterPort, simulator: Simulator) -> Bool {
        guard port.sink != nil else {
            port.counters.unconnectedDrops += 1
            simulator.frames.release(frame)
            return false
        }
        if port.queue.isFull {
            port.counters.queueFullDrops += 1
            simulator.frames.release(frame)
            return false
        }
        guard port.counters.occupancyBytes + length <= port.bufferBytes else {
            port.counters.tailDrops += 1
            simulator.frames.release(frame)
            return false
        }
        port.queue.append(frame)
        port.counters.occupancyFrames += 1
        port.counters.occupancyBytes += length
        if port.counters.occupancyBytes > port.counters.peakOccupancyBytes {
            port.counters.peakOccupancyBytes = port.counters.occupancyBytes
            port.counters.peakOccupancyTime = simulator.now
        }
        if !port.busy { startTransmission(on: port, simulator: simulator) }
        return true
    }

    /// Starts serializing the head frame, at once or when the inter-frame gap ends.
    private func startTransmission(on port: PolicyRouterPort, simulator: Simulator) {
        guard let head = port.queue.first else { return }
        let length = simulator.frames.length(of: head)
        let firstBit = max(simulator.now, port.freeAt)
        let lastBit = firstBit + EthernetWireTiming.timeToLastBit(frameLength: length, bitsPerSecond: port.rate)
        port.busy = true
        simulator.schedule(
            at: lastBit, target: id, kind: Kind.lastBit, a: UInt64(head.rawValue), b: UInt64(port.index))
    }

    /// The head frame's last bit has left: it leaves the buffer and goes to the egress sink.
    func finishTransmission(_ frame: FrameHandle, on port: PolicyRouterPort, simulator: Simulator) {
        let head = port.queue.removeFirst()
        precondition(head == frame, "router port transmitted a frame that was not at the head of its queue")
        let length = simulator.frames.length(of: frame)
        port.counters.occupancyFrames -= 1
        port.counters.occupancyBytes -= length
        port.counters.framesOut += 1
        port.counters.bytesOut += length
        port.busy = false
        port.freeAt = simulator.now + port.gap
        // Start the next frame before handing this one over, so that a sink that feeds straight back into this
        // router finds the port's state consistent.
        if !port.queue.isEmpty { startTransmission(on: port, simulator: simulator) }
        if let sink = port.sink {
            sink.accept(frame, simulator: simulator)
        } else {
            simulator.frames.release(frame)
        }
    }
}
