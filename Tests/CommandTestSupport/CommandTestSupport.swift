// What the test targets that start the `nicsim` executable share: where the package is, where the executable is,
// and how to run a program and keep its output.

import Foundation

/// The package root, found from this file's path.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A test could not find what it needs to start.
public struct MissingExecutable: Error, CustomStringConvertible {
    public let description: String
}

/// The `nicsim` executable built next to the test bundle (or in `.build/debug`).
public func nicsimExecutable() throws -> URL {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("nicsim")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    let fallback = packageRoot.appendingPathComponent(".build/debug/nicsim")
    guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
        throw MissingExecutable(description: "build the nicsim executable first (no \(fallback.path))")
    }
    return fallback
}

/// How a program ended and what it wrote.
public struct ProcessResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` with `arguments` to its end (in `directory`, if given) and returns its status and output.
/// With `standardOutput` the child writes there instead (and `stdout` of the result is empty).
public func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
                       standardOutput: FileHandle? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = standardOutput ?? out
    process.standardError = err
    try process.run()
    if standardOutput != nil { try out.fileHandleForWriting.close() }
    // Read before waiting so a large report cannot fill the pipe and stall the child (nicsim writes little to
    // standard error, so reading it second cannot stall).
    let outData = standardOutput == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}
