import SimCore

/// A port of a multi-port element (``EthernetSwitch``, ``PolicyRouter``): the ingress sink frames arrive at and,
/// inherited from ``OutputPort``, the output buffer and transmitter.
///
/// Arriving frames go to the owning element on this port's number; the extension gives both element kinds that
/// one ingress, so a switch port and a router port hand frames on by the same rule.
protocol ElementPort: OutputPort, FrameSink {
    associatedtype Element: MultiPortSink
    /// Unretained: the element registers itself with its simulator, which keeps it alive for the simulator's
    /// lifetime, and a port is only ever called with that simulator running.
    var owner: Unretained<Element> { get }
}

extension ElementPort {
    /// A frame's last bit has arrived on this port.
    func accept(_ frame: FrameHandle, simulator: Simulator) {
        let index = self.index
        owner.withObject { $0.receive(frame, port: index, simulator: simulator) }
    }

    /// Straight to the element: a link delivering to this port calls the element without touching the port object.
    var directReference: FrameSinkReference? {
        let index = self.index
        return owner.withObject { FrameSinkReference($0, port: index) }
    }
}

/// An element whose numbered ports each take frames in and send them out through an ``OutputPort``: the
/// ``EthernetSwitch`` and the ``PolicyRouter``. Cabling a port and reading its counters go by the same rules on
/// both, so they are written once here.
public protocol PortedElement: MultiPortSink {
    /// Not API: the port numbered `port` (`0..<portCount`), which the shared cabling and counters reach.
    func _outputPort(_ port: Int) -> OutputPort & FrameSink
}

extension PortedElement {
    /// The sink for frames arriving on `port` (hand it to the link or transmitter feeding that port).
    public func ingress(_ port: Int) -> FrameSink {
        _outputPort(port)
    }

    /// Cables the output of `port` to `sink` (typically a ``Link`` end); frames leave into it at their last bit.
    public func connectEgress(_ port: Int, to sink: FrameSink) {
        _outputPort(port).sink = sink
    }

    /// The counters of one port.
    public func portCounters(_ port: Int) -> SwitchPortCounters {
        _outputPort(port).counters
    }
}
