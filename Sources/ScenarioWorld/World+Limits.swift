import Foundation

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

extension World {
    /// Reads a stream's file, refusing one that would take the streams past `limit` bytes (`budget` is what is
    /// left of it; it shrinks by the file's size). Never reads more than `budget + 1` bytes, so a huge file or a
    /// device such as /dev/zero costs no more than the limit.
    static func readStreamFile(_ path: String, stream: String, budget: inout Int64, limit: Int64)
        throws(ScenarioError) -> [UInt8]
    {
        func fail(_ message: String) -> ScenarioError {
            ScenarioError(file: "", line: 0, column: 0, message: "stream \(stream): \(message)")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: Int(clamping: budget) + 1) ?? Data()
        } catch {
            throw fail("cannot read \(path)")
        }
        guard Int64(data.count) <= budget else {
            throw fail(
                "\(path) takes the streams past the limit of \(ScenarioLimits.format(limit, isSize: true)) on "
                    + "stream bytes; raise it with --limit stream-bytes=SIZE")
        }
        budget -= Int64(data.count)
        return [UInt8](data)
    }
}
