import SimCore
import WireFormats

/// The NIC's fixed properties: line rate, largest frame, the timing of its path to host memory.
///
/// Each default names its source, as the datasheet's "Timing model" section does.
public struct NICConfiguration: Hashable, Sendable {
    /// Line rate in bits per second. Default 10 Gb/s.
    public var lineRate: Int64
    /// Largest frame the MAC sends, in bytes without the FCS. Default 1,514 (a 1,500-byte MTU plus the
    /// 14-byte Ethernet header, IEEE 802.3 §3.2.7).
    public var maxFrameBytes: Int
    /// Latency of one DMA read round trip (request to completion). Default 500 ns: the order of the PCIe read
    /// latencies Neugebauer et al. measured on commodity NICs ("Understanding PCIe performance for end host
    /// networking", SIGCOMM 2018) — a labelled assumption until the NIC issue calibrates it.
    public var dmaReadLatency: SimDuration
    /// Usable DMA bandwidth in bytes per second. Default 3,938 MB/s: PCIe 3.0 x4 (8 GT/s per lane with
    /// 128b/130b encoding = 984.6 MB/s per lane, PCI Express Base Specification 3.0).
    public var dmaBytesPerSecond: Int64
    /// On-chip transmit packet buffer in bytes: the device fetches ahead while fetched frames fit. Default 16 KiB,
    /// the transmit share of the 8254x packet buffer at reset (PBA = 0x00100030: 48 KB RX, 16 KB TX).
    public var txPacketBufferBytes: Int
    /// On-chip receive packet buffer in bytes: the FIFO frames wait in between their last bit and their DMA to host
    /// memory (datasheet §11.2). Default 48 KiB, the receive share of the 8254x packet buffer at reset
    /// (PBA = 0x00100030: 48 KB RX, 16 KB TX).
    public var rxPacketBufferBytes: Int
    /// The station address the device loads into receive address entry 0 (RAL0/RAH0 with `AV`) at power-up and at
    /// every reset, as the 8254x loads it from its EEPROM. Default nil: a blank EEPROM, entry 0 reads 0 and is not
    /// valid, so only a driver's own RAL/RAH writes (or promiscuous mode) let frames through.
    public var stationAddress: MACAddress?
    /// Transmit queues. Default 4, as the Intel i210 has (i210 datasheet §1.3).
    public var transmitQueues: Int
    /// Receive queues. Default 4, as the Intel i210 has (i210 datasheet §1.3).
    public var receiveQueues: Int
    /// Descriptors each transmit queue's on-chip cache holds; a packet may span at most this many. Default 64
    /// [U]: the order of the per-queue descriptor caches of the 82576/i210 generation (a labelled assumption).
    public var descriptorCacheSize: Int
    /// Largest packet (headers and payload) the device accepts for segmentation. Default 65,535 + 14 bytes: one
    /// IPv4 datagram of maximum size plus its Ethernet header, like Linux UDP GSO's limit (REFERENCE.md).
    public var maxSegmentationBytes: Int
    /// Most segments one packet may be cut into. Default 128, Linux UDP GSO's limit since 2023 (REFERENCE.md).
    public var maxSegments: Int
    /// The device clock's time at virtual time 0, in nanoseconds (datasheet §10.1). Default 0: device time starts
    /// with the run, as revision 2's did.
    public var clockOffsetNanoseconds: UInt64
    /// The device oscillator's frequency error, parts per billion (positive: fast). Default 0, an ideal
    /// oscillator, so that device time is virtual time unless a scenario says otherwise (a modelling choice; a
    /// real crystal is off by some tens of ppm, Ethernet's transmit clocks being allowed ±100 ppm [U]). The model
    /// keeps it within ±1,000 ppm.
    public var clockDriftPartsPerBillion: Int64
    /// PCIe max payload size (MPS): the most data bytes one TLP carries, so the size of the pieces a DMA write or a
    /// read's completions are cut into. Default 256 bytes, the typical setting Neugebauer et al. report
    /// ("Understanding PCIe performance for end host networking", SIGCOMM 2018).
    public var maxPayloadBytes: Int = 256
    /// PCIe max read request size (MRRS): the most bytes one read request asks for; a longer DMA read is issued as
    /// several requests. Default 512 bytes, the typical setting Neugebauer et al. (SIGCOMM 2018) report.
    public var maxReadRequestBytes: Int = 512
    /// Link bytes each TLP adds to its data: start framing (1), sequence number (2), a 3-DW header (12), LCRC (4)
    /// and end framing (1), no ECRC: 20 bytes, from Intel's note on PCI Express protocol overhead. Addresses
    /// below 4 GiB (IOVAs from the allocator, nicsim's physical memory) take the 3-DW header; a 64-bit address
    /// takes a 4-DW one, 24 bytes.
    public var tlpOverheadBytes: Int = 20

    public init(lineRate: Int64 = 10_000_000_000, maxFrameBytes: Int = 1514,
                dmaReadLatency: SimDuration = .nanoseconds(500), dmaBytesPerSecond: Int64 = 3_938_000_000,
                txPacketBufferBytes: Int = 16 * 1024, rxPacketBufferBytes: Int = 48 * 1024,
                stationAddress: MACAddress? = nil, transmitQueues: Int = 4, receiveQueues: Int = 4,
                descriptorCacheSize: Int = 64, maxSegmentationBytes: Int = 65_535 + 14, maxSegments: Int = 128,
                clockOffsetNanoseconds: UInt64 = 0, clockDriftPartsPerBillion: Int64 = 0) {
        self.lineRate = lineRate
        self.maxFrameBytes = maxFrameBytes
        self.dmaReadLatency = dmaReadLatency
        self.dmaBytesPerSecond = dmaBytesPerSecond
        self.txPacketBufferBytes = txPacketBufferBytes
        self.rxPacketBufferBytes = rxPacketBufferBytes
        self.stationAddress = stationAddress
        self.transmitQueues = transmitQueues
        self.receiveQueues = receiveQueues
        self.descriptorCacheSize = descriptorCacheSize
        self.maxSegmentationBytes = maxSegmentationBytes
        self.maxSegments = maxSegments
        self.clockOffsetNanoseconds = clockOffsetNanoseconds
        // The clock's arithmetic needs a positive rate: the drift is kept within ±1,000 ppm.
        self.clockDriftPartsPerBillion = min(max(clockDriftPartsPerBillion, -1_000_000), 1_000_000)
    }
}

extension NICConfiguration {
    /// TLPs that carry `bytes` of data at most ``maxPayloadBytes`` each: the completions of a read of one buffer,
    /// or the writes of one; 0 for no bytes. Completions are taken as MPS-sized (a completer may cut them at the
    /// 64-byte read completion boundary instead, which nicsim does not model).
    @inlinable public func dataTLPs(_ bytes: Int) -> Int {
        bytes <= 0 ? 0 : (bytes + max(1, maxPayloadBytes) - 1) / max(1, maxPayloadBytes)
    }

    /// Read requests a DMA read of `bytes` of one buffer is issued as: at most ``maxReadRequestBytes`` each.
    /// Requests travel toward the host, the other way from their completions, and are pipelined behind the first
    /// one's round trip, so they add no time to the transmit bus.
    @inlinable public func readRequests(_ bytes: Int) -> Int {
        bytes <= 0 ? 0 : (bytes + max(1, maxReadRequestBytes) - 1) / max(1, maxReadRequestBytes)
    }

    /// Link bytes of `bytes` of data in one buffer: the data plus ``tlpOverheadBytes`` per TLP.
    @inlinable public func linkBytes(_ bytes: Int) -> Int { bytes + dataTLPs(bytes) * tlpOverheadBytes }
}
