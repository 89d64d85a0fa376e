import SimCore

/// One port of an ``EthernetSwitch``: the ingress sink frames arrive at, and the output buffer and transmitter.
final class SwitchPort: FrameSink {
    unowned let owner: EthernetSwitch
    let index: Int
    /// Egress line rate, bits per second.
    let rate: Int64
    /// The inter-frame gap at `rate`.
    let gap: SimDuration
    /// Where transmitted frames go; nil while the port is not cabled.
    var sink: FrameSink?
    /// Frames in the output buffer, oldest first; the head is the one being serialized while `busy`.
    var queue: FrameRing
    /// True from the first bit of the head frame until its last bit.
    var busy = false
    /// When the inter-frame gap after the last transmitted frame ends; the next first bit may not come sooner.
    var freeAt = SimTime.zero
    var counters = SwitchPortCounters()

    init(owner: EthernetSwitch, index: Int, rate: Int64, queueFrames: Int) {
        self.owner = owner
        self.index = index
        self.rate = rate
        self.gap = EthernetWireTiming.interFrameGap(bitsPerSecond: rate)
        self.queue = FrameRing(minimumCapacity: queueFrames)
    }

    /// A frame's last bit has arrived on this port.
    func accept(_ frame: FrameHandle, simulator: Simulator) {
        owner.receive(frame, on: index, simulator: simulator)
    }
}
