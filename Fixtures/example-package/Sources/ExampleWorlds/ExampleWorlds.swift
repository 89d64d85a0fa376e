import NICSimTesting

/// The worlds this package cares about, described once and shared by its tests.
public enum ExampleWorlds {
    /// A 10 Gb/s server that sends `bytes` to each of `receivers` listeners behind 1 Gb/s switch ports in one
    /// zero-copy multi-destination write, in `order`.
    public static func fanOut(receivers: Int, bytes: Int, order: TransmitOrder = .interleaved) -> TestWorld {
        TestWorld()
            .receivers(receivers)
            .writeToAll(bytes)
            .driver(order: order)
    }
}
