/// FNV-1a 64 digests of the payload streams of several receivers, computed together.
///
/// FNV-1a is one multiply per byte, each waiting for the one before, so one stream is digested at the multiply's
/// latency (about four cycles a byte). The streams of different receivers do not depend on each other: payloads
/// handed to ``add(_:bytes:from:count:)`` are copied into a log, and when it fills (or a digest is read) the log is
/// digested four streams at a time, interleaved, which runs at the multiplier's throughput instead of its latency.
/// Each receiver's digest is exactly ``FNV1a64`` over its own payloads in the order they were added.
///
/// The log's storage is allocated once (``init(logBytes:)``), so adding allocates nothing. Single-threaded, like
/// every component of a simulation.
public final class PayloadDigester {
    /// Digest state per stream (the FNV-1a value so far).
    var states: [UInt64] = []
    /// Payload bytes waiting to be digested, back to back.
    var log: [UInt8]
    var logCount = 0
    /// The waiting payloads in order: stream, start in `log`, length.
    var pending: [(stream: Int, start: Int, count: Int)] = []

    /// Creates a digester whose log holds `logBytes` bytes of payload (a payload larger than that is digested
    /// directly).
    public init(logBytes: Int = 256 * 1024) {
        precondition(logBytes > 0)
        log = [UInt8](repeating: 0, count: logBytes)
        pending.reserveCapacity(logBytes / 64)
    }

    /// Adds a stream; returns its number.
    public func addStream() -> Int {
        states.append(FNV1a64.offsetBasis)
        return states.count - 1
    }

    /// Appends `count` bytes of `bytes` from `start` to stream `stream`.
    public func add(_ stream: Int, bytes: borrowing [UInt8], from start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start <= bytes.count - count, "PayloadDigester range out of bounds")
        guard count > 0 else { return }
        if logCount + count > log.count || pending.count == pending.capacity { flush() }
        guard count <= log.count else {
            var digest = FNV1a64(state: states[stream])
            digest.add(bytes, from: start, count: count)
            states[stream] = digest.value
            return
        }
        let at = logCount
        log.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: target[at..<(at + count)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + count)]))
            }
        }
        logCount += count
        pending.append((stream, at, count))
    }

    /// The digest of stream `stream` over everything added to it so far.
    public func digest(of stream: Int) -> UInt64 {
        flush()
        return states[stream]
    }

    /// Digests everything in the log.
    ///
    /// Walks the waiting payloads in order, taking up to four consecutive ones of different streams at a time: a
    /// stream's payloads are thus digested in the order they came, and the four chains of multiplies overlap.
    func flush() {
        guard !pending.isEmpty else { return }
        let prime = FNV1a64.prime
        log.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self)
            var i = 0
            while i < pending.count {
                var group = 1
                while group < 4 && i + group < pending.count {
                    let s = pending[i + group].stream
                    var distinct = true
                    for k in i..<(i + group) where pending[k].stream == s { distinct = false }
                    if !distinct { break }
                    group += 1
                }
                if group == 4 {
                    let a = pending[i], b = pending[i + 1], c = pending[i + 2], d = pending[i + 3]
                    var ha = states[a.stream], hb = states[b.stream], hc = states[c.stream], hd = states[d.stream]
                    let common = min(a.count, b.count, c.count, d.count)
                    for j in 0..<common {
                        ha = (ha ^ UInt64(base[a.start + j])) &* prime
                        hb = (hb ^ UInt64(base[b.start + j])) &* prime
                        hc = (hc ^ UInt64(base[c.start + j])) &* prime
                        hd = (hd ^ UInt64(base[d.start + j])) &* prime
                    }
                    for j in common..<a.count { ha = (ha ^ UInt64(base[a.start + j])) &* prime }
                    for j in common..<b.count { hb = (hb ^ UInt64(base[b.start + j])) &* prime }
                    for j in common..<c.count { hc = (hc ^ UInt64(base[c.start + j])) &* prime }
                    for j in common..<d.count { hd = (hd ^ UInt64(base[d.start + j])) &* prime }
                    states[a.stream] = ha
                    states[b.stream] = hb
                    states[c.stream] = hc
                    states[d.stream] = hd
                } else {
                    for k in i..<(i + group) {
                        let p = pending[k]
                        var h = states[p.stream]
                        for j in p.start..<(p.start + p.count) { h = (h ^ UInt64(base[j])) &* prime }
                        states[p.stream] = h
                    }
                }
                i += group
            }
        }
        pending.removeAll(keepingCapacity: true)
        logCount = 0
    }
}
