import SimCore

/// One port of an ``EthernetSwitch``: the ingress sink frames arrive at, and (inherited) the output buffer and
/// transmitter.
final class SwitchPort: OutputPort, FrameSink {
    unowned let owner: EthernetSwitch

    init(owner: EthernetSwitch, index: Int, rate: Int64, bufferBytes: Int, queueFrames: Int) {
        self.owner = owner
        super.init(element: owner.id, lastBitKind: EthernetSwitch.Kind.lastBit, index: index, rate: rate,
                   bufferBytes: bufferBytes, queueFrames: queueFrames)
    }

    /// A frame's last bit has arrived on this port.
    func accept(_ frame: FrameHandle, simulator: Simulator) {
        owner.receive(frame, on: index, simulator: simulator)
    }
}
