import SimCore
import WireFormats

extension PolicyRouter {
    /// One interface of a ``PolicyRouter``: its addresses, its directly connected subnet and its transmitter.
    public struct PortConfiguration: Hashable, Sendable {
        /// The port's MAC address: source of every frame it sends, destination of every frame it accepts.
        public var mac: MACAddress
        /// The port's IPv4 address, answered in ARP.
        public var address: IPv4Address
        /// Length of the directly connected subnet around ``address`` (0...32); the router installs a route for
        /// it whose next hop is resolved through the neighbour table.
        public var prefixLength: Int
        /// Egress line rate, in bits per second.
        public var rateBitsPerSecond: Int64
        /// Capacity of the output buffer, in frame bytes.
        public var bufferBytes: Int
        /// Most frames the output queue holds whatever their size; nil means enough for a full buffer of 60-byte
        /// frames. Rounded up to a power of two.
        public var queueFrames: Int?

        /// Creates a port configuration.
        public init(
            mac: MACAddress, address: IPv4Address, prefixLength: Int, rateBitsPerSecond: Int64,
            bufferBytes: Int = 64 * 1024, queueFrames: Int? = nil
        ) {
            self.mac = mac
            self.address = address
            self.prefixLength = prefixLength
            self.rateBitsPerSecond = rateBitsPerSecond
            self.bufferBytes = bufferBytes
            self.queueFrames = queueFrames
        }
    }
}

/// One port of a ``PolicyRouter``: the ingress sink frames arrive at, its addresses, and (inherited) the output
/// buffer and transmitter.
final class PolicyRouterPort: OutputPort, ElementPort {
    let owner: Unretained<PolicyRouter>
    let mac: MACAddress
    let address: IPv4Address

    init(owner: PolicyRouter, index: Int, configuration c: PolicyRouter.PortConfiguration) {
        self.owner = Unretained(owner)
        self.mac = c.mac
        self.address = c.address
        super.init(element: owner.id, index: index, rate: c.rateBitsPerSecond,
                   bufferBytes: c.bufferBytes,
                   queueFrames: c.queueFrames ?? (c.bufferBytes / EthernetWireTiming.minimumFrameBytes + 1))
    }
}
