import SimCore

/// The learning table of a switch: MAC address (48 bits in a `UInt64`) → port.
///
/// Storage is reserved for `capacity` entries up front (``SimCore/IntegerTable``), so learning and lookups never
/// allocate; when the table is full, new addresses are not learned (their frames keep being flooded), as in
/// hardware with a fixed table. Entries do not age.
struct MACTable {
    var ports: IntegerTable
    /// Entries the table can hold.
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        ports = IntegerTable(capacity: capacity)
    }

    /// Entries held.
    var count: Int { ports.count }

    /// The port `address` was learned on, if any.
    func port(of address: UInt64) -> Int? {
        ports.value(for: address).map { Int($0) }
    }

    enum Outcome: Equatable {
        case known, learned, moved, full
    }

    /// Records that `address` was seen as a source on `port`.
    mutating func learn(_ address: UInt64, port: Int) -> Outcome {
        let value = Int32(port)
        if let old = ports.value(for: address) {
            if old == value { return .known }
            ports.set(value, for: address)
            return .moved
        }
        guard ports.set(value, for: address) else { return .full }
        return .learned
    }
}
