import SimCore

/// What the interrupt line does with one message the device sends (an ``InterruptLineGate``'s answer).
public enum InterruptLineVerdict: Hashable, Sendable {
    /// The message reaches the host now.
    case deliver
    /// The message never reaches the host.
    case lose
    /// The message reaches the host this much later, unless the device is reset meanwhile.
    case delay(SimDuration)
}

/// Something on the interrupt line between the device and the host that sees each message first, and may lose it
/// or hold it back (a fault injector: `ScenarioWorld` installs one only when a scenario has interrupt faults).
///
/// The device still counts a lost or late message as sent (datasheet §8.1): the gate decides only what reaches the
/// host, and when.
public protocol InterruptLineGate: AnyObject {
    /// The device sends a message on `vector` (0 in legacy mode); the answer says whether and when it arrives.
    func admit(vector: Int) -> InterruptLineVerdict
}

extension NIC {
    /// Sends an interrupt message to the host: through the gate on the line when there is one, else straight to
    /// ``interruptSink``. A message the gate holds back is an event of the device's own
    /// (``NICEvent/delayedMessage(vector:)``) and, like every event of the device, is dropped when a reset comes
    /// first.
    @inline(__always)
    func deliverInterrupt(vector: Int) {
        if let gate = interruptGate {
            switch gate.admit(vector: vector) {
            case .deliver:
                break
            case .lose:
                return
            case .delay(let delay):
                schedule(.delayedMessage(vector: vector), after: delay)
                return
            }
        }
        interruptSink?.interruptRaised(vector: vector)
    }
}
