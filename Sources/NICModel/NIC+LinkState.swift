import NICInterface
import SimCore

extension NIC {
    /// The PHY sees the link partner's signal come or go (a cable pulled, the far end down: the link's state,
    /// which a link-flap fault sets). A change sets or clears STATUS.LU and raises `LSC` (datasheet §6.1), which
    /// interrupts at once when unmasked. Frames already handed to the wire are the link's to drop.
    public func setCarrier(_ up: Bool) {
        guard carrier != up else { return }
        carrier = up
        if up { _counters.linkUps += 1 } else { _counters.linkDowns += 1 }
        if simulator.tracer != nil { simulator.trace(name, up ? "link-up" : "link-down", []) }
        signal(.linkStatusChange, path: .other, delayable: false)
    }

    /// Whether STATUS.LU is set: a wire is attached and its partner's signal is there.
    public var isLinkUp: Bool { wire != nil && carrier }
}
