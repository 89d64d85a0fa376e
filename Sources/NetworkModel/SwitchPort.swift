import SimCore

/// One port of an ``EthernetSwitch``: the ingress sink frames arrive at, and (inherited) the output buffer and
/// transmitter.
final class SwitchPort: OutputPort, FrameSink {
    /// Unretained: the switch registers itself with its simulator, which keeps it alive for the
    /// simulator's lifetime, and a port is only ever called with that simulator running.
    let owner: Unretained<EthernetSwitch>

    init(owner: EthernetSwitch, index: Int, rate: Int64, bufferBytes: Int, queueFrames: Int) {
        self.owner = Unretained(owner)
        super.init(element: owner.id, index: index, rate: rate, bufferBytes: bufferBytes, queueFrames: queueFrames)
    }

    /// A frame's last bit has arrived on this port.
    func accept(_ frame: FrameHandle, simulator: Simulator) {
        let index = self.index
        owner.withObject { $0.receive(frame, port: index, simulator: simulator) }
    }

    /// Straight to the switch: a link delivering to this port calls the switch without touching the port object.
    var directReference: FrameSinkReference? {
        let index = self.index
        return owner.withObject { FrameSinkReference($0, port: index) }
    }
}
