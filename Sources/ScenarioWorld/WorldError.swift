import ScenarioFormat

/// The world of a valid scenario could not be built: the scenario asks for something the machines it describes
/// cannot do (buffers larger than the server's memory, a VDE switch that is not there, a media file that is not a
/// transport stream).
///
/// Every such error names the scenario key that caused it and, for a scenario read from a file, the file, line and
/// column of that key (from `ScenarioSpec.locations`); a spec built in code has no file, and the error then
/// names the key alone. ``description`` has the compiler form of `ScenarioError`:
/// `s.yaml:3:11: server.memory: 64MiB cannot hold the application's buffers (…)`.
public struct WorldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The scenario file, or empty for a spec built in code.
    public var file: String
    /// 1-based line and column of ``key`` in ``file``; 0 when unknown.
    public var line: Int
    public var column: Int
    /// The dotted key path that caused the error (`server.memory`, `streams.list[1].file`).
    public var key: String
    /// What is wrong.
    public var message: String

    public init(file: String = "", line: Int = 0, column: Int = 0, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// An error at `key`, located through `spec`'s source locations (the first of `keys` the file has; the
    /// error names that key, or the first when the file has none of them).
    init(_ spec: ScenarioSpec, _ keys: String..., message: String) {
        self.init(spec, keys: keys, message: message)
    }

    init(_ spec: ScenarioSpec, keys: [String], message: String) {
        let found = keys.lazy.compactMap { key in spec.locations[key].map { (key, $0) } }.first
        self.init(file: spec.locations.file, line: found?.1.line ?? 0, column: found?.1.column ?? 0,
                  key: found?.0 ?? keys.first ?? "", message: message)
    }

    /// This error, with its message, placed at the first of `keys` that `spec`'s file has: how the builder
    /// locates what a part threw without knowing the scenario (a stream application, a stream's file, a driver).
    func located(_ spec: ScenarioSpec, _ keys: String...) -> WorldError {
        WorldError(spec, keys: keys, message: message)
    }

    /// `FILE:LINE:COLUMN: KEY: MESSAGE`; without a place, `FILE: KEY: MESSAGE` or `KEY: MESSAGE`.
    public var description: String {
        let text = key.isEmpty ? message : "\(key): \(message)"
        if line > 0 { return "\(file):\(line):\(column): \(text)" }
        return file.isEmpty ? text : "\(file): \(text)"
    }
}
