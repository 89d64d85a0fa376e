import NICSimFuzzing

/// libFuzzer's entry point for the `driver` harness (``FuzzHarness/fuzzOneInput(_:_:)``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.driver.fuzzOneInput(data, size)
}
