import NICSimFuzzing

/// libFuzzer's entry point for the `vde-frames` harness (``FuzzHarness/fuzzOneInput(_:_:)``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.vdeFrames.fuzzOneInput(data, size)
}
