extension ScenarioSpec {
    /// Bytes the generated streams hold: each stream's mux rate over its play time (`streams.duration`, else the
    /// scenario's `duration`, else 10 s), rounded up; `Int64.max` when that does not fit.
    public var generatedStreamBytes: Int64 {
        guard let streams else { return 0 }
        let playTime = streams.duration ?? duration ?? ScenarioParser.defaultStreamPlayTime
        var total: Double = 0
        for stream in streams.list {
            if case .generate(let rate, _) = stream.source { total += Double(rate) * Double(playTime) / 8e12 }
        }
        return total >= 9.2e18 ? .max : Int64(total.rounded(.up))
    }
}
