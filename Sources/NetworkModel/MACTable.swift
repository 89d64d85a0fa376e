/// The learning table of a switch: MAC address (48 bits in a `UInt64`) → port.
///
/// Storage is reserved for `capacity` entries up front, so learning and lookups never allocate; when the table is
/// full, new addresses are not learned (their frames keep being flooded), as in hardware with a fixed table.
/// Entries do not age.
struct MACTable {
    private var ports: [UInt64: Int32]
    /// Entries the table can hold.
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        ports = [:]
        ports.reserveCapacity(capacity)
    }

    /// Entries held.
    var count: Int { ports.count }

    /// The port `address` was learned on, if any.
    func port(of address: UInt64) -> Int? {
        ports[address].map { Int($0) }
    }

    enum Outcome: Equatable {
        case known, learned, moved, full
    }

    /// Records that `address` was seen as a source on `port`.
    mutating func learn(_ address: UInt64, port: Int) -> Outcome {
        let value = Int32(port)
        if let old = ports[address] {
            if old == value { return .known }
            ports[address] = value
            return .moved
        }
        guard ports.count < capacity else { return .full }
        ports[address] = value
        return .learned
    }
}
