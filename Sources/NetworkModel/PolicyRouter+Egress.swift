import SimCore

extension PolicyRouter {
    // MARK: - Output ports (``OutputPort``, the same discipline as EthernetSwitch's)

    /// Queues `frame` on `port`, or drops it (released, counted in the port's counters). Returns true when queued.
    @discardableResult
    func enqueue(_ frame: FrameHandle, length: Int, on port: PolicyRouterPort, simulator: Simulator) -> Bool {
        port.offer(frame, length: length, simulator: simulator)
    }
}
