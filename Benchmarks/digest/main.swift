// Payload digest and checksum speed (BENCHMARKS.md, "Payload digest"): stripe64 against byte-at-a-time FNV-1a and
// the Internet checksum, on 1316-byte payloads (the datagrams) and on one 1 MiB buffer, rounds interleaved.
//
//   swiftc -O -parse-as-library Sources/NetworkModel/StripeHash64.swift Sources/NetworkModel/FNV1a64.swift \
//       Sources/WireFormats/*.swift Benchmarks/digest/main.swift -o /tmp/digest-speed && /tmp/digest-speed
import Foundation

/// The thread's CPU time, so that a loaded machine's waits do not count.
func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func seconds(_ body: () -> UInt64) -> (Double, UInt64) {
    let start = cpuNanoseconds()
    let sink = body()
    return (Double(cpuNanoseconds() - start) / 1e9, sink)
}

@main struct DigestSpeed {
    static func main() {
        var state: UInt64 = 0x1234_5678
        let bytes = (0..<(1 << 20)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let total = 256 << 20  // bytes hashed per measurement
        for size in [1316, 1 << 20] {
            var fnv: [Double] = [], stripe: [Double] = [], sum: [Double] = []
            var sink: UInt64 = 0
            for _ in 0..<5 {
                let pieces = total / size
                let (a, x) = seconds {
                    var h = FNV1a64()
                    for _ in 0..<(pieces / 8) { h.add(bytes, from: 0, count: size) }
                    return h.value
                }
                let (b, y) = seconds {
                    var h = StripeHash64()
                    for _ in 0..<pieces { h.add(bytes, from: 0, count: size) }
                    return h.value
                }
                let (c, z) = seconds {
                    var s: UInt64 = 0
                    for i in 0..<pieces {
                        var c = InternetChecksum()
                        c.add(bytes, from: i & 7, count: size - 8)
                        s &+= UInt64(c.checksum)
                    }
                    return s
                }
                sink ^= x ^ y ^ z
                fnv.append(Double(total / 8) / a / 1e9)
                stripe.append(Double(total) / b / 1e9)
                sum.append(Double(total) / c / 1e9)
            }
            func median(_ v: [Double]) -> String { String(format: "%.2f", v.sorted()[v.count / 2]) }
            print("\(size)-byte pieces: FNV-1a \(median(fnv)) GB/s, stripe64 \(median(stripe)) GB/s, "
                + "Internet checksum \(median(sum)) GB/s of CPU time (median of 5 interleaved rounds) [\(sink & 1)]")
        }
    }
}
