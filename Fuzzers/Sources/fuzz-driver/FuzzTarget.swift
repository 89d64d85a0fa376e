import NICSimFuzzing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libFuzzer's entry point: runs the `driver` harness on one input and aborts (a finding) when a check breaks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let outcome = FuzzHarness.driver.run(bytes)
    guard outcome.violations.isEmpty else {
        let report = "fuzz-driver: " + outcome.violations.joined(separator: "\n  ") + "\n"
        _ = report.withCString { write(2, $0, strlen($0)) }
        abort()
    }
    return 0
}
