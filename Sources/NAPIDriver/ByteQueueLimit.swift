/// A dynamic byte queue limit in the style of Linux BQL (`lib/dynamic_queue_limits.c`): how many bytes one
/// transmit queue may have on its ring, adjusted from completions.
///
/// The algorithm, in this driver's words. The queue counts bytes queued (``queue(_:)``, when packets go on the
/// ring) and bytes completed (``complete(_:)``, once per cleaning round with everything that round reclaimed).
/// The driver stops the queue as soon as the bytes in flight exceed ``limit`` (so a queue may overshoot by one
/// packet) and starts it again when a completion brings them back under. At each completion round:
///
/// 1. **Starved: grow.** If the queue was over its limit and this round emptied it (the device ran out of work
///    while the driver was held back), or it was over the limit at the previous round and everything queued by
///    then has now completed, the limit grows by the bytes completed beyond what was queued at the previous round
///    plus the previous round's overshoot: enough to have kept the device busy.
/// 2. **Busy: measure slack, maybe shrink.** Otherwise, if bytes are still in flight now and were at the previous
///    round, and not everything of the previous round has completed, the limit had slack: `limit + previous
///    overshoot − 2 × bytes completed this round` (never below 0). The smallest slack seen is kept; once the
///    queue has gone ``holdCompletions`` rounds without starving, the limit shrinks by that smallest slack and the
///    measurement starts again.
/// 3. The limit stays within [``minimum``, ``maximum``].
///
/// Linux measures the hold in time (1 s); a driver here has no clock, so it counts completion rounds instead.
struct ByteQueueLimit {
    private(set) var limit: Int
    let minimum: Int
    let maximum: Int
    let holdCompletions: Int
    /// Bytes ever queued and ever completed.
    private(set) var queued = 0
    private(set) var completed = 0
    /// `queued` at the previous completion round, and the overshoot then.
    private var previousQueued = 0
    private var previousOverLimit = 0
    private var lowestSlack = Int.max
    private var roundsSinceSlackStart = 0
    /// Smallest and largest limit the queue has had.
    private(set) var lowestLimit: Int
    private(set) var highestLimit: Int

    init(limit: Int, minimum: Int, maximum: Int, holdCompletions: Int) {
        self.minimum = minimum
        self.maximum = maximum
        self.holdCompletions = holdCompletions
        self.limit = min(max(limit, minimum), maximum)
        lowestLimit = self.limit
        highestLimit = self.limit
    }

    /// Bytes on the ring, queued and not yet completed.
    var inFlight: Int { queued - completed }
    /// Bytes that may still be queued before the queue stops; negative once it is over its limit.
    var available: Int { limit - inFlight }

    mutating func queue(_ bytes: Int) { queued += bytes }

    /// One completion round that reclaimed `bytes`.
    mutating func complete(_ bytes: Int) {
        guard bytes > 0 else { return }
        let nowCompleted = completed + bytes
        let overLimit = max(0, inFlight - limit)
        let stillInFlight = queued - nowCompleted
        let previousInFlight = previousQueued - completed
        let previousAllCompleted = nowCompleted >= previousQueued
        if (overLimit > 0 && stillInFlight == 0) || (previousOverLimit > 0 && previousAllCompleted) {
            limit += max(0, nowCompleted - previousQueued) + previousOverLimit
            lowestSlack = .max
            roundsSinceSlackStart = 0
        } else if stillInFlight > 0 && previousInFlight > 0 && !previousAllCompleted {
            let slack = max(0, limit + previousOverLimit - 2 * (nowCompleted - completed))
            lowestSlack = min(lowestSlack, slack)
            roundsSinceSlackStart += 1
            if roundsSinceSlackStart >= holdCompletions {
                limit = max(0, limit - lowestSlack)
                lowestSlack = .max
                roundsSinceSlackStart = 0
            }
        }
        limit = min(max(limit, minimum), maximum)
        lowestLimit = min(lowestLimit, limit)
        highestLimit = max(highestLimit, limit)
        previousOverLimit = overLimit
        completed = nowCompleted
        previousQueued = queued
    }

    /// Forgets bytes in flight that will never complete (the queue was reset).
    mutating func forgetInFlight() {
        completed = queued
        previousQueued = queued
        previousOverLimit = 0
    }
}
