import HostOS
import NICInterface

// MSI-X mode (NAPIConfiguration.msix; datasheet §6.3): one vector per queue pair and one for the other causes, as
// Linux's igb sets them up (igb_configure_msix, igb_msix_ring, igb_msix_other, igb_ring_irq_enable).

extension NAPIDriver {
    /// The vector of the other causes (igb's `eims_other` is vector 0).
    static let otherVector = 0
    /// The vector of queue pair `n`: TX queue `n`, and RX queue 0 with TX queue 0.
    @inline(__always) static func vector(ofQueue n: Int) -> Int { n + 1 }

    /// Programs MSI-X mode: `GPIE` (MSIX_MODE, EIAME, PBA, NSICR as igb writes it), an IVAR entry per TX queue and
    /// for RX queue 0, IVAR_MISC for the other causes, each queue vector's EITR from the ITR setting (256 ns units
    /// rounded to whole microseconds), every vector auto-cleared and auto-masked, then EIMS for every vector and IMS
    /// for the other causes the driver handles (LSC, RXO, RXDMT0).
    func setUpVectors(_ r: inout DriverReceipt) {
        let control: GeneralInterruptEnable = [.msixMode, .extendedAutoMask, .pbaSupport, .nonSelectiveClear]
        write(.gpie, control.rawValue, &r)
        var allocation = [UInt32](repeating: 0, count: NICRegister.maximumQueues / 2)
        for ring in rings {
            let (_, shift) = NICRegister.ivarEntry(queue: ring.index, transmit: true)
            allocation[ring.index >> 1] |= (UInt32(Self.vector(ofQueue: ring.index)) | NICRegister.ivarValid) << shift
        }
        if receiveRing != nil {
            let (_, shift) = NICRegister.ivarEntry(queue: 0, transmit: false)
            allocation[0] |= (UInt32(Self.vector(ofQueue: 0)) | NICRegister.ivarValid) << shift
        }
        for i in allocation.indices where allocation[i] != 0 { write(.ivar(i), allocation[i], &r) }
        write(.ivarMisc, (UInt32(Self.otherVector) | NICRegister.ivarValid) << 8, &r)
        let itr = Int64(configuration.moderation.itr & 0xFFFF)
        let microseconds = itr == 0 ? 0 : max(1, (itr * 256 + 500) / 1_000)
        let throttle = UInt32(min(microseconds, 0x1FFF)) << 2
        for ring in rings { write(.eitr(Self.vector(ofQueue: ring.index)), throttle, &r) }
        let all: UInt32 = (1 << UInt32(rings.count + 1)) - 1
        write(.eiac, all, &r)
        write(.eiam, all, &r)
        write(.eims, all, &r)
        write(.ims, InterruptCause([.linkStatusChange, .rxOverrun, .rxDescriptorsExhausted]).rawValue, &r)
    }

    /// A message on `vector`. The message itself cleared (EIAC) and masked (EIAM) its vector, so a queue vector's
    /// handler touches no register: it schedules the vector's poll. The other vector's handler reads `ICR` and
    /// unmasks its vector with EIMS, as igb's `igb_msix_other` does.
    func vectorInterrupt(_ vector: Int, _ r: inout DriverReceipt) -> DriverReceipt {
        if vector == Self.otherVector {
            let causes = InterruptCause(rawValue: read(.icr, &r))
            if causes.contains(.rxOverrun) { receiveOverruns += 1 }
            if causes.isEmpty { spuriousInterrupts += 1 }
            write(.eims, 1 << UInt32(Self.otherVector), &r)
            return r
        }
        guard vector >= 1, vector <= rings.count else {
            spuriousInterrupts += 1
            return r
        }
        let bit: UInt32 = 1 << UInt32(vector)
        guard vectorsScheduled & bit == 0 else { return r }
        vectorsScheduled |= bit
        maskedIntervals += 1
        if vector == Self.vector(ofQueue: 0) { napiScheduled = true }
        if !pollRequested {
            pollRequested = true
            r.pollNeeded = true
        }
        return r
    }

    /// Watchdog, MSI-X mode: a message the host never got left its vector auto-masked (EIAM) with no poll to
    /// unmask it, so the watchdog writes EIMS for every vector with no poll scheduled; a cause pending in EICR then
    /// interrupts at once (datasheet §6.3 rule 5). Vectors that are enabled stay as they are.
    func reenableIdleVectors(_ r: inout DriverReceipt) {
        let all: UInt32 = (1 << UInt32(rings.count + 1)) - 1
        write(.eims, all & ~vectorsScheduled, &r)
    }

    /// One softirq round over the scheduled vectors (Linux `net_rx_action`): each cleans its own transmit queue;
    /// writes that waited for room are posted; vector 1 also takes at most `budget` received frames. A vector that
    /// finished under its budget is unmasked with EIMS (its own bit); one at budget stays scheduled and asks for
    /// another poll.
    func pollVectors(budget: Int, _ r: inout DriverReceipt) -> DriverReceipt {
        pollRequested = false
        for ring in rings where vectorsScheduled & (1 << UInt32(Self.vector(ofQueue: ring.index))) != 0 {
            cleanTransmit(ring, &r)
        }
        postPending(&r)
        finishBatch(&r)
        let budget = max(0, budget)
        var again = false
        for v in 1...rings.count where vectorsScheduled & (1 << UInt32(v)) != 0 {
            if v == Self.vector(ofQueue: 0) {
                let done = receive(budget: budget, &r)
                if budget > 0 && done >= budget {
                    budgetExhaustions += 1
                    again = true
                    continue
                }
                napiScheduled = false
            }
            vectorsScheduled &= ~(1 << UInt32(v))
            write(.eims, 1 << UInt32(v), &r)
        }
        reportCompletions()
        if again {
            pollRequested = true
            r.pollNeeded = true
        }
        return r
    }
}
