/// Settings only the NAPI driver has, beside the `DriverConfiguration` every driver honours.
///
/// The defaults follow the datasheet and Linux: four transmit queues (the device's default queue count, datasheet
/// §5, the Intel i210's), byte queue limits on (Linux enables BQL for every multi-queue Intel driver).
public struct NAPIConfiguration: Hashable, Sendable {
    /// Transmit queues the driver programs and spreads destinations over, 1 to 8 (the register map's room,
    /// datasheet §2.2). Default 4, the device's default number of queues (datasheet §5, "TX queues, RX queues").
    /// A value the device does not have leaves those queues' register writes refused (`RAEC`) and is clamped
    /// to 1…8 here.
    public var transmitQueues: Int
    /// Whether each transmit queue has a byte queue limit (Linux BQL). Off: the ring alone bounds the bytes in
    /// flight.
    public var byteQueueLimits: Bool
    /// The limit a queue starts with, in bytes. Default 0, Linux's (`dql_reset` starts at the minimum limit): the
    /// first packet of a cold queue stops it, and the limit grows from completions.
    public var initialLimit: Int
    /// Lower and upper bounds of the limit in bytes. Defaults 0 and 1,879,048,192 (0x7000_0000), the `limit_min`
    /// and `limit_max` Linux shows for a fresh queue in `/sys/class/net/*/queues/tx-*/byte_queue_limits/`.
    public var minimumLimit: Int
    public var maximumLimit: Int
    /// Completion rounds a queue must stay over its needs before the limit shrinks by the smallest slack seen.
    /// Linux holds for `slack_hold_time` = 1 s of wall time; a driver here has no clock, so it holds for a number
    /// of completion rounds instead. Default 16 [U], a labelled assumption: long enough that one burst's gap does
    /// not shrink the limit.
    public var slackHoldCompletions: Int
    /// Per-queue interrupt vectors (MSI-X, datasheet §6.3) as Linux's igb sets them up: vector 0 for the other
    /// causes (LSC, RXO), vector n + 1 for queue pair n (TX queue n, and RX queue 0 with TX queue 0), each vector
    /// auto-cleared (EIAC) and auto-masked (EIAM with `GPIE.EIAME`) by its own message and unmasked with EIMS after
    /// its own poll, each queue vector throttled by EITR. Off (the default): one legacy vector, ICR/IMS/IMC.
    public var msix: Bool
    /// Head write-back (datasheet §4.5, `TDWBAL`/`TDWBAH`), as Linux's ixgbe can use it: the device writes each
    /// queue's head index to host memory instead of `DD` into descriptors, and the driver reclaims every packet
    /// before that index. Default off: the driver looks for `DD` on its report points.
    public var headWriteBack: Bool

    public init(transmitQueues: Int = 4, byteQueueLimits: Bool = true, initialLimit: Int = 0, minimumLimit: Int = 0,
                maximumLimit: Int = 1_879_048_192, slackHoldCompletions: Int = 16, msix: Bool = false,
                headWriteBack: Bool = false) {
        self.msix = msix
        self.headWriteBack = headWriteBack
        self.transmitQueues = min(max(1, transmitQueues), 8)
        self.byteQueueLimits = byteQueueLimits
        self.initialLimit = max(0, initialLimit)
        self.minimumLimit = max(0, minimumLimit)
        self.maximumLimit = max(self.minimumLimit, maximumLimit)
        self.slackHoldCompletions = max(1, slackHoldCompletions)
    }
}
