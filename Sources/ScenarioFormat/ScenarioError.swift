/// A scenario file that could not be read or is not a valid scenario, with the place that is wrong.
///
/// Every error the ``ScenarioParser`` throws is located: `line` and `column` are 1-based and point at the
/// offending YAML node (for a missing key, at the mapping that should hold it). Only a file that cannot be read
/// at all has `line` and `column` 0. Columns count Unicode scalars, like libyaml's marks.
///
/// The ``description`` is the conventional compiler form, ready to print:
/// `s.yaml:7:11: receivers[1].link.rate: expected a rate like 1Gbps, 100Mbps or 10000bps, got "fast"`.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file name as given to the parser (a path, or any label for text parsed from memory).
    public var file: String
    /// 1-based line of the offending node; 0 when the file could not be read.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending node; 0 when the file could not be read.
    public var column: Int
    /// What is wrong and what was expected, starting with the key path when there is one
    /// (`server.driver.mtu: …`).
    public var message: String

    /// Makes an error at a place in a file.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COLUMN: MESSAGE`; `FILE: MESSAGE` when the error has no location (line 0), and just the
    /// message when it has neither file nor location.
    public var description: String {
        if line <= 0 {
            return file.isEmpty ? message : "\(file): \(message)"
        }
        return "\(file):\(line):\(column): \(message)"
    }
}
