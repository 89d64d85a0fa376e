import ScenarioFormat
import ScenarioWorld
import SimCore

/// Writes trace records as they happen: readable lines or JSON lines (one object per record), buffered.
///
/// Text lines read `   12.345678 us  server.nic        descriptor-fetch  queue=0 first=0 count=8 address=0x4000`:
/// virtual time in microseconds with picosecond digits, the component, the event, then its fields. JSON lines
/// carry the same: `{"t_ps":12345678,"component":"server.nic","event":"descriptor-fetch","queue":0,...}`; addresses
/// are strings in hexadecimal, times integers in picoseconds.
public final class TraceWriter: Tracer {
    public enum Format: String, Sendable, CaseIterable {
        case text, jsonl
    }

    let format: Format
    /// Where the records go; its first failed write is kept there, and ``finish()`` reports it.
    public let output: OutputFile
    var buffer: [UInt8] = []
    /// Records written.
    public private(set) var records = 0

    /// Writes to standard output.
    public convenience init(format: Format) {
        self.init(format: format, output: .standardOutput())
    }

    /// Writes to `output`.
    public init(format: Format, output: OutputFile) {
        self.format = format
        self.output = output
        buffer.reserveCapacity(1 << 16)
    }

    /// Writes to the file at `path` (created or truncated); nil when it cannot be opened.
    public convenience init?(format: Format, path: String) {
        guard let file = try? OutputFile(path: path) else { return nil }
        self.init(format: format, output: file)
    }

    deinit {
        flush()
    }

    public func record(_ r: TraceRecord) {
        records += 1
        switch format {
        case .text: appendText(r)
        case .jsonl: appendJSON(r)
        }
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { output.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes out what is buffered and ends the output: throws when any record did not reach it (a partial trace
    /// file is then removed).
    public func finish() throws(OutputError) {
        flush()
        try output.close()
    }

    func append(_ s: String) { buffer.append(contentsOf: s.utf8) }

    func appendText(_ r: TraceRecord) {
        append(TraceWriter.microseconds(r.time.rawValue).leftPadded(to: 16))
        append(" us  ")
        append(r.component.rightPadded(to: 18))
        append(" ")
        append(r.event.rightPadded(to: 18))
        for f in r.fields {
            append(" ")
            append(f.name)
            append("=")
            append(f.value.description)
        }
        append("\n")
    }

    func appendJSON(_ r: TraceRecord) {
        append("{\"t_ps\":\(r.time.rawValue),\"component\":")
        append(TraceWriter.jsonString(r.component))
        append(",\"event\":")
        append(TraceWriter.jsonString(r.event))
        for f in r.fields {
            append(",")
            append(TraceWriter.jsonString(f.name))
            append(":")
            switch f.value {
            case .int(let v): append(String(v))
            case .address(let v): append("\"0x" + String(v, radix: 16) + "\"")
            case .time(let t): append(String(t.rawValue))
            case .text(let s): append(TraceWriter.jsonString(s))
            }
        }
        append("}\n")
    }

    /// Picoseconds as microseconds with six decimals (`12.345678`).
    static func microseconds(_ ps: Int64) -> String {
        let sign = ps < 0 ? "-" : ""
        let m = ps.magnitude
        let whole = m / 1_000_000
        let fraction = String(m % 1_000_000)
        return sign + String(whole) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// A JSON string literal with the characters JSON requires escaped.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func rightPadded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
