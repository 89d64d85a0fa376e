import HostMemory
import HostOS
import NICDriver
import SimCore
import Testing
import WireFormats

/// Issue 17 item 7 (datasheet §13): DF as Linux sets it on UDP datagrams, whether the driver or the NIC cuts them.
@Suite("DF as Linux sets it on datagrams cut from a larger write")
struct DriverDontFragmentTests {
    @Test("DF only on a write that fits one 1,500-byte datagram, by the driver and by the NIC",
          arguments: [SegmentationPlace.driver, .nic])
    func dontFragmentFollowsLinux(segmentation: SegmentationPlace) throws {
        // Payload per datagram: 1,500 − 20 − 8 = 1,472 bytes. Writes of 1 and 1,472 bytes fit one datagram: one frame
        // each, with DF (Linux: skb->len ≤ MTU). 1,473 bytes: 2 datagrams (1,472 + 1); 3,000 bytes: 3 (1,472 +
        // 1,472 + 56); all 5 without DF, since the whole write would not have fit.
        let frames = try wireFrames(
            segmentation: segmentation, path: .copy, sizes: [1, 1_472, 1_473, 3_000], rtp: false)
        var flags: [Bool] = []
        var payloads: [Int] = []
        for frame in frames {
            let view = try #require(UDPDatagramView(parsing: frame, at: 0, length: frame.count))
            #expect(view.ipChecksumValid && view.udpChecksumValid)
            #expect(!view.ip.moreFragments && view.ip.fragmentOffset == 0)
            flags.append(view.ip.dontFragment)
            payloads.append(view.payloadLength)
        }
        #expect(payloads == [1, 1_472, 1_472, 1, 1_472, 1_472, 56])
        #expect(flags == [true, true, false, false, false, false, false])
    }
}
