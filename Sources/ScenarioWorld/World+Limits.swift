import Foundation
import ScenarioFormat

extension World {
    /// Reads a stream's file, refusing one that would take the streams past `limit` bytes (`budget` is what is
    /// left of it; it shrinks by the file's size). Never reads more than `budget + 1` bytes, so a huge file or a
    /// device such as /dev/zero costs no more than the limit.
    static func readStreamFile(_ path: String, stream: String, budget: inout Int64, limit: Int64)
        throws(WorldError) -> [UInt8]
    {
        // The caller locates the error at the stream's `file` key.
        func fail(_ message: String) -> WorldError { WorldError(key: "", message: "stream \(stream): \(message)") }
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
