import Scenarios
import Testing

@Suite("Units")
struct UnitsTests {
    @Test(
        arguments: [
            ("0", 0), ("1", 1), ("1500", 1500), ("1_000_000", 1_000_000), ("7B", 7), ("1KB", 1000), ("1kB", 1000),
            ("2MB", 2_000_000), ("1GB", 1_000_000_000), ("64KiB", 65536), ("3MiB", 3 << 20), ("1GiB", 1 << 30),
            ("1.5MB", 1_500_000), ("1.5KiB", 1536), ("0.5KiB", 512), ("2 GiB", 2 << 30), ("1.000KiB", 1024),
            ("8589934591GiB", 8_589_934_591 << 30),
        ] as [(String, Int64)])
    func sizes(text: String, bytes: Int64) {
        #expect(Units.bytes(text) == bytes)
    }

    @Test(arguments: [
        "", "KiB", "B", "-1", "-64KiB", "+1", "1.5B", "1.", ".5KiB", "1..5KiB", "1.2.3", "64kib", "64KIB", "64Ki",
        "64 KiB ", " 64KiB", "1e3", "0x10", "1_", "_1", "1__0", "1.0_0KiB", "64KiBs", "12 34", "64 ", "1TB",
        "99999999999999GiB", "9223372036854775808", "9223372036854775807KB", "18446744073709551616",
        "0.0000000000000000000001GiB", "١٢", "6４",
    ])
    func invalidSizes(text: String) {
        #expect(Units.bytes(text) == nil)
    }

    @Test(
        arguments: [
            ("1", 1), ("10000", 10_000), ("10000bps", 10_000), ("1Kbps", 1000), ("1kbps", 1000),
            ("100Mbps", 100_000_000),
            ("1Gbps", 1_000_000_000), ("10Gbps", 10_000_000_000), ("2.5Gbps", 2_500_000_000), ("1.5Kbps", 1500),
            ("9223372036Gbps", 9_223_372_036_000_000_000),
        ] as [(String, Int64)])
    func rates(text: String, bitsPerSecond: Int64) {
        #expect(Units.bitsPerSecond(text) == bitsPerSecond)
    }

    @Test(arguments: [
        "0", "0Gbps", "fast", "Gbps", "-1Gbps", "1GBps", "1gbps", "1Gb/s", "1.5bps", "9223372037Gbps",
        "99999999999999999999bps", "1 Gbps extra",
    ])
    func invalidRates(text: String) {
        #expect(Units.bitsPerSecond(text) == nil)
    }

    @Test(
        arguments: [
            ("0", 0), ("0ps", 0), ("1ps", 1), ("500ns", 500_000), ("1us", 1_000_000), ("1µs", 1_000_000),
            ("1.5us", 1_500_000), ("10ms", 10_000_000_000), ("1s", 1_000_000_000_000), ("0.001ns", 1),
            ("2.5s", 2_500_000_000_000), ("9223372s", 9_223_372_000_000_000_000),
        ] as [(String, Int64)])
    func durations(text: String, picoseconds: Int64) {
        #expect(Units.picoseconds(text) == picoseconds)
    }

    @Test(arguments: [
        "", "1", "500", "ms", "-1ms", "1.5ps", "0.0001ns", "1 hour", "1h", "1min", "1MS", "1Ms", "10sec",
        "9223373s", "99999999999999999999ps",
    ])
    func invalidDurations(text: String) {
        #expect(Units.picoseconds(text) == nil)
    }

    @Test(
        arguments: [
            ("1", 1), ("3000000000", 3_000_000_000), ("1Hz", 1), ("1KHz", 1000), ("1kHz", 1000),
            ("800MHz", 800_000_000),
            ("3GHz", 3_000_000_000), ("2.4GHz", 2_400_000_000),
        ] as [(String, Int64)])
    func clocks(text: String, hertz: Int64) {
        #expect(Units.hertz(text) == hertz)
    }

    @Test(arguments: ["0", "0GHz", "3ghz", "3 G", "-3GHz", "1.5Hz", "GHz", "99999999999GHz"])
    func invalidClocks(text: String) {
        #expect(Units.hertz(text) == nil)
    }
}
