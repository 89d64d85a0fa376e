extension ScenarioNode {
    /// The largest `offset-ns`: 4 × 10¹⁸ ns (about 127 years), within `SYSTIMH`'s 32-bit seconds.
    static let clockOffsetLimit: Int64 = 4_000_000_000_000_000_000

    /// `nic.clock`: `{offset-ns: N, drift-ppm: X}` (datasheet §10.1). Returns the offset in nanoseconds and the
    /// drift in parts per billion.
    func deviceClock() throws(ScenarioError) -> (UInt64, Int64) {
        let m = try mapping(allowed: ["offset-ns", "drift-ppm"])
        let offset = try m["offset-ns"]?.integer(in: 0...Self.clockOffsetLimit) ?? 0
        let drift = try m["drift-ppm"]?.partsPerMillion() ?? 0
        return (UInt64(offset), drift)
    }

    /// A decimal number of parts per million from −1000 to 1000 with at most three decimals (`-12.5`, `100`),
    /// returned exactly in parts per billion.
    func partsPerMillion() throws(ScenarioError) -> Int64 {
        let what = "a number of ppm from -1000 to 1000 with at most three decimals, like 12.5"
        let text = try scalarText(expecting: what)
        var rest = Substring(text)
        var sign: Int64 = 1
        if rest.first == "-" || rest.first == "+" {
            if rest.first == "-" { sign = -1 }
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let digits: (Substring) -> Bool = { $0.allSatisfy { $0 >= "0" && $0 <= "9" } }
        guard !whole.isEmpty, whole.count <= 4, digits(whole), fraction.count <= 3, digits(fraction),
              parts.count == 1 || !fraction.isEmpty, let units = Int64(whole)
        else { throw expected(what) }
        var thousandths: Int64 = 0
        for (i, c) in fraction.enumerated() {
            thousandths += Int64(c.wholeNumberValue ?? 0) * [100, 10, 1][i]
        }
        let ppb = sign * (units * 1_000 + thousandths)
        guard (-1_000_000...1_000_000).contains(ppb) else { throw expected(what) }
        return ppb
    }
}
