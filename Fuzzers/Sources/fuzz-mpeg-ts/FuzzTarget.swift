import NICSimFuzzing

/// libFuzzer's entry point for the `mpeg-ts` harness (``FuzzHarness/fuzzOneInput(_:_:)``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.transportStream.fuzzOneInput(data, size)
}
