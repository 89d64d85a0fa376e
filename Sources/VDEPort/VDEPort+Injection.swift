import SimCore

extension VDEPort {
    /// Hands `frames` to the simulation exactly as a poll that read them from the connection would: each is cut to
    /// the receive buffer's slot as the kernel cuts a longer datagram, batches hold at most the poll's batch size,
    /// and every frame goes through the same length check, copy and delivery as a real one.
    ///
    /// For fuzzing and tests of the receive path without a real network; returns the number of frames handed over.
    @discardableResult
    package func injectReceived(_ frames: [[UInt8]], simulator: Simulator) -> Int {
        var delivered = 0
        var next = 0
        while next < frames.count {
            let batch = min(frames.count - next, receiveBuffer.frameCapacity)
            for slot in 0..<batch { receiveBuffer.load(frames[next + slot], into: slot) }
            receiveBuffer.count = batch
            deliverReceived(batch, simulator: simulator)
            delivered += batch
            next += batch
        }
        return delivered
    }
}

extension VDEFrameBuffer {
    /// Copies `frame` into slot `slot`, cut to ``bytesPerFrame`` as `recv` cuts a longer datagram.
    func load(_ frame: [UInt8], into slot: Int) {
        let length = min(frame.count, bytesPerFrame)
        let start = slot * bytesPerFrame
        for i in 0..<length { bytes[start + i] = frame[i] }
        lengths[slot] = length
    }
}
