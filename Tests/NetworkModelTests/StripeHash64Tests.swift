import SimCore
import Testing

@testable import NetworkModel

/// The stripe64 digest written the slow, obvious way: the whole stream at once, word by word.
func referenceStripe64(_ bytes: [UInt8]) -> UInt64 {
    func word(_ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for k in 0..<8 where at + k < bytes.count { w |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
        return w
    }
    func round(_ lane: UInt64, _ w: UInt64) -> UInt64 {
        let x = lane ^ (w &* StripeHash64.k1)
        return ((x << 29) | (x >> 35)) &* StripeHash64.k0
    }
    var lanes: [UInt64] = [StripeHash64.k1, StripeHash64.k2, StripeHash64.k3, StripeHash64.k0 ^ StripeHash64.k1]
    let stripes = bytes.count / 32
    for s in 0..<stripes {
        for l in 0..<4 { lanes[l] = round(lanes[l], word(s * 32 + l * 8)) }
    }
    var h = UInt64(bytes.count) &* StripeHash64.k2 ^ StripeHash64.k3
    for l in lanes { h = round(h, l ^ (l >> 31)) }
    var at = stripes * 32
    while bytes.count - at >= 8 { h = round(h, word(at)); at += 8 }
    if at < bytes.count { h = round(h, word(at) ^ StripeHash64.k0) }
    h ^= h >> 32
    h &*= 0xBF58_476D_1CE4_E5B9
    h ^= h >> 29
    h &*= 0x94D0_49BB_1331_11EB
    h ^= h >> 32
    return h
}

@Suite struct StripeHash64Tests {
    /// Random streams cut at random places (pieces of 0 to 100 bytes, some longer than a stripe) give the value of
    /// the whole stream at once, and the slow reference's value.
    @Test func anySplitGivesTheSameDigestAsTheWholeStream() {
        var random = RandomStream(seed: 22, name: "stripe64-splits")
        for trial in 0..<300 {
            let length = trial < 80 ? trial : Int(random.next() % 5000)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var whole = StripeHash64()
            whole.add(bytes)
            #expect(whole.value == referenceStripe64(bytes), "length \(length)")
            for _ in 0..<3 {
                var pieces = StripeHash64()
                var at = 0
                while at < length {
                    let n = min(length - at, Int(random.next() % (random.next() % 2 == 0 ? 9 : 101)))
                    pieces.add(bytes, from: at, count: n)
                    at += n
                }
                #expect(pieces == whole, "length \(length)")
                #expect(pieces.value == whole.value, "length \(length)")
            }
        }
    }

    /// Every single-bit flip, a swapped pair of words, a truncation and appended zeros change the digest; 20,000
    /// random 1316-byte payloads give 20,000 different digests (a 64-bit hash expects a collision only near 2^32).
    @Test func smallChangesAndRandomPayloadsGiveDifferentDigests() {
        var random = RandomStream(seed: 7, name: "stripe64-changes")
        let bytes = (0..<1316).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let base = referenceStripe64(bytes)
        var seen = Set<UInt64>([base])
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            var h = StripeHash64()
            h.add(flipped)
            #expect(seen.insert(h.value).inserted, "bit \(bit)")
        }
        var swapped = bytes
        for k in 0..<8 { swapped.swapAt(k, 32 + k) }
        var zeros = bytes + [0]
        var h1 = StripeHash64(), h2 = StripeHash64(), h3 = StripeHash64()
        h1.add(swapped)
        h2.add(Array(bytes.dropLast()))
        h3.add(zeros)
        zeros.removeAll()
        for v in [h1.value, h2.value, h3.value] { #expect(v != base) }
        var all = Set<UInt64>()
        var payload = [UInt8](repeating: 0, count: 1316)
        for _ in 0..<20_000 {
            for k in stride(from: 0, to: payload.count - 8, by: 8) {
                let r = random.next()
                withUnsafeBytes(of: r) { for j in 0..<8 { payload[k + j] = $0[j] } }
            }
            var h = StripeHash64()
            h.add(payload)
            all.insert(h.value)
        }
        #expect(all.count == 20_000)
        #expect(StripeHash64.empty == referenceStripe64([]))
        #expect(StripeHash64.empty != referenceStripe64([0]))
    }
}
