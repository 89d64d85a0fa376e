import SimCore

/// One port of an ``EthernetSwitch``: the ingress sink frames arrive at, and (inherited) the output buffer and
/// transmitter.
final class SwitchPort: OutputPort, ElementPort {
    let owner: Unretained<EthernetSwitch>

    init(owner: EthernetSwitch, index: Int, rate: Int64, bufferBytes: Int, queueFrames: Int) {
        self.owner = Unretained(owner)
        super.init(element: owner.id, index: index, rate: rate, bufferBytes: bufferBytes, queueFrames: queueFrames)
    }
}
