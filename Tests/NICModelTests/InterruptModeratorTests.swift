import NICModel
import SimCore
import Testing

// Every table below gives times in whole microseconds; the expected interrupt times were worked out by hand from the
// rules in `InterruptModerator`'s documentation (the walk-through is in each case's comment).

/// One thing the NIC tells the moderator, at a time in microseconds.
enum ModerationStep: Sendable, CustomStringConvertible {
    /// A cause; `delayable` as in `causeRaised(at:delayable:)`.
    case cause(Int64, delayable: Bool)
    /// The driver wrote FPD.
    case flush(Int64)

    var time: SimTime {
        switch self {
        case .cause(let t, _), .flush(let t): .microseconds(t)
        }
    }

    var description: String {
        switch self {
        case .cause(let t, true): "\(t)"
        case .cause(let t, false): "\(t)!"
        case .flush(let t): "flush@\(t)"
        }
    }
}

/// Delayable causes at `first`, `first + step`, … up to `last`.
private func causes(from first: Int64, through last: Int64, every step: Int64 = 1) -> [ModerationStep] {
    stride(from: first, through: last, by: Int(step)).map { .cause($0, delayable: true) }
}

private func delayable(_ times: Int64...) -> [ModerationStep] { times.map { .cause($0, delayable: true) } }
private func immediate(_ times: Int64...) -> [ModerationStep] { times.map { .cause($0, delayable: false) } }

private func µs(_ value: Int64) -> SimDuration { .microseconds(value) }

/// What one drive of the moderator produced.
struct ModerationRun {
    /// When interrupts were sent.
    var interrupts: [SimTime] = []
    /// For each cause, in step order, the index in `interrupts` of the interrupt that reports it.
    var reportedBy: [Int] = []
    var moderator: InterruptModerator
}

/// Drives a moderator the way the NIC does, through a tiny event loop.
///
/// The NIC's moderation events live in a sorted list; the loop runs the earliest event or step, events first at
/// equal times (they were scheduled earlier, and the simulator is FIFO among equal times). After every call the
/// NIC sends at once when told `now`, and schedules an event at `nextDeadline` whenever that changes, never
/// cancelling the old one: stale events must be harmless. Interrupts left owed after the last step are run out.
private func drive(_ settings: ModerationSettings, _ steps: [ModerationStep]) -> ModerationRun {
    var run = ModerationRun(moderator: InterruptModerator(settings: settings))
    var events: [SimTime] = []
    var next = 0
    var budget = 10 * (steps.count + 10)

    func send(_ now: SimTime) {
        run.interrupts.append(now)
        run.moderator.fired(at: now)
    }
    func follow(_ result: SimTime?, at now: SimTime) {
        if let result {
            #expect(result >= now, "a settled send time is never in the past")
            if result == now {
                send(now)
            } else {
                #expect(result == run.moderator.nextDeadline, "a settled time is the next deadline")
            }
        }
        if let deadline = run.moderator.nextDeadline, !events.contains(deadline) {
            #expect(deadline > now, "a deadline still to come")
            events.append(deadline)
            events.sort()
        }
    }

    while budget > 0 {
        budget -= 1
        let stepTime = next < steps.count ? steps[next].time : nil
        if let event = events.first, stepTime.map({ event <= $0 }) ?? true {
            events.removeFirst()
            if run.moderator.deadlineReached(at: event) { send(event) }
            follow(nil, at: event)
        } else if next < steps.count {
            let step = steps[next]
            next += 1
            switch step {
            case .cause(_, let delayable):
                run.reportedBy.append(run.interrupts.count)
                follow(run.moderator.causeRaised(at: step.time, delayable: delayable), at: step.time)
            case .flush:
                follow(run.moderator.flush(at: step.time), at: step.time)
            }
        } else {
            break
        }
    }
    #expect(budget > 0, "the event loop ends")
    let c = run.moderator.counters
    #expect(c.fired == UInt64(run.interrupts.count))
    #expect(c.immediate + c.firedByThreshold + c.firedByPacketTimer + c.firedByAbsoluteTimer + c.flushed == c.fired)
    return run
}

/// A moderator behind a reference, with times in whole microseconds, so that calls read inside `#expect`.
final class ModeratorProbe {
    var m: InterruptModerator

    init(_ settings: ModerationSettings) { m = InterruptModerator(settings: settings) }

    /// `causeRaised`; the settled send time in microseconds.
    func cause(_ t: Int64, delayable: Bool = true) -> Int64? {
        m.causeRaised(at: .microseconds(t), delayable: delayable).map { $0.rawValue / 1_000_000 }
    }

    /// `flush`; the settled send time in microseconds.
    func flush(_ t: Int64) -> Int64? { m.flush(at: .microseconds(t)).map { $0.rawValue / 1_000_000 } }

    func deadline(_ t: Int64) -> Bool { m.deadlineReached(at: .microseconds(t)) }

    func fire(_ t: Int64) { m.fired(at: .microseconds(t)) }
}

/// A row of a moderation table.
struct ModerationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var settings: ModerationSettings
    var steps: [ModerationStep]
    /// Expected interrupt times, microseconds.
    var interrupts: [Int64]
    /// Causes still waiting (stranded) after the run.
    var pendingAfter = false
    var testDescription: String { name }
}

@Suite("Interrupt moderation: when one vector's interrupts are sent")
struct InterruptModeratorTests {
    static let cases: [ModerationCase] = [
        // All off: one interrupt per cause, both at the same instant too (revision 1 behaviour).
        ModerationCase(
            name: "per packet (all off)", settings: .off,
            steps: delayable(0, 1, 5, 5) + immediate(7) + delayable(9),
            interrupts: [0, 1, 5, 5, 7, 9]),
        // 0 sent at once (window to 8); 1 owed, postponed to 8, 2…7 merge; 8's event sends and the cause at 8
        // opens the next one, postponed to 16; likewise 24 carries 16…20.
        ModerationCase(
            name: "ITR 8 µs, causes every 1 µs", settings: ModerationSettings(minimumInterval: µs(8)),
            steps: causes(from: 0, through: 20),
            interrupts: [0, 8, 16, 24]),
        // 10 ≥ 0 + 8: at once (window to 18); 12 postponed to 18; 30 at once.
        ModerationCase(
            name: "ITR 8 µs, sparse causes", settings: ModerationSettings(minimumInterval: µs(8)),
            steps: delayable(0, 10, 12, 30),
            interrupts: [0, 10, 18, 30]),
        // Every cause pushes the timer 10 µs out; the gaps are 2 µs, so it only expires after the last, at 98 + 10.
        ModerationCase(
            name: "per-packet delay 10 µs starves under load", settings: ModerationSettings(packetDelay: µs(10)),
            steps: causes(from: 0, through: 98, every: 2),
            interrupts: [108]),
        // The absolute timer armed by each batch's first cause (0, 32, 64, 96) fires 32 µs later; the cause at the
        // same instant comes after the event and starts the next batch. The last batch (96, 98) ends by the
        // packet timer at 108, before its absolute timer (128).
        ModerationCase(
            name: "absolute delay 32 µs bounds the starvation",
            settings: ModerationSettings(packetDelay: µs(10), absoluteDelay: µs(32)),
            steps: causes(from: 0, through: 98, every: 2),
            interrupts: [32, 64, 96, 108]),
        // Absolute alone (a nicsim extension): 32 µs after each batch's first cause; 98 joins the batch of 96.
        ModerationCase(
            name: "absolute delay alone", settings: ModerationSettings(absoluteDelay: µs(32)),
            steps: causes(from: 0, through: 98, every: 2),
            interrupts: [32, 64, 96, 128]),
        // The 4th and 8th causes (at 3 and 7) fire; 8 and 9 have no timer and wait for good.
        ModerationCase(
            name: "threshold 4 alone strands the tail", settings: ModerationSettings(frameThreshold: 4),
            steps: causes(from: 0, through: 9),
            interrupts: [3, 7], pendingAfter: true),
        // The stranded 8, 9 plus 50, 51 make four: the interrupt comes at 51.
        ModerationCase(
            name: "threshold 4: the tail waits for more causes", settings: ModerationSettings(frameThreshold: 4),
            steps: causes(from: 0, through: 9) + delayable(50, 51),
            interrupts: [3, 7, 51]),
        ModerationCase(
            name: "threshold 4: a flush releases the tail", settings: ModerationSettings(frameThreshold: 4),
            steps: causes(from: 0, through: 9) + [.flush(20)],
            interrupts: [3, 7, 20]),
        ModerationCase(
            name: "threshold 4: a cause that may not wait releases the tail",
            settings: ModerationSettings(frameThreshold: 4),
            steps: causes(from: 0, through: 9) + immediate(30),
            interrupts: [3, 7, 30]),
        // The tail (8, 9) ends on the packet timer: 9 + 5.
        ModerationCase(
            name: "threshold 4 + packet delay 5 µs",
            settings: ModerationSettings(packetDelay: µs(5), frameThreshold: 4),
            steps: causes(from: 0, through: 9),
            interrupts: [3, 7, 14]),
        // The tail ends on the absolute timer armed by 8: 8 + 5.
        ModerationCase(
            name: "threshold 4 + absolute delay 5 µs",
            settings: ModerationSettings(absoluteDelay: µs(5), frameThreshold: 4),
            steps: causes(from: 0, through: 9),
            interrupts: [3, 7, 13]),
        // Flush at 5 ends the wait of 0, 2, 4; 20 waits for its timer (30); the flush at 40 finds nothing.
        ModerationCase(
            name: "flush", settings: ModerationSettings(packetDelay: µs(10)),
            steps: delayable(0, 2, 4) + [.flush(5)] + delayable(20) + [.flush(40)],
            interrupts: [5, 30]),
        // 0 opens the window to 8; the flush at 3 makes 1, 2 owed, but not before 8.
        ModerationCase(
            name: "flush still obeys ITR", settings: ModerationSettings(minimumInterval: µs(8), packetDelay: µs(10)),
            steps: immediate(0) + delayable(1, 2) + [.flush(3)],
            interrupts: [0, 8]),
        // 0, 1, 2 reach 3 → sent at 2 (window to 12); 3, 4, 5 reach 3 again at 5 → postponed to 12; 6…11 merge.
        ModerationCase(
            name: "ITR 10 µs + threshold 3",
            settings: ModerationSettings(minimumInterval: µs(10), frameThreshold: 3),
            steps: causes(from: 0, through: 11),
            interrupts: [2, 12]),
        // 3 (may not wait) sends at once with 0's cause (window to 11); 6 may not wait but must wait for 11,
        // carrying 4; 15 waits for its packet timer: 35.
        ModerationCase(
            name: "a cause that may not wait skips delays, not ITR",
            settings: ModerationSettings(minimumInterval: µs(8), packetDelay: µs(20)),
            steps: delayable(0) + immediate(3) + delayable(4) + immediate(6) + delayable(15),
            interrupts: [3, 11, 35]),
        // 5 sent (window to 25); 6 arms the packet timer to 11, which expires inside the window: owed at 11, so
        // 12 and 24 merge instead of re-arming it; sent at 25. 30 arms 35, postponed to the window's end, 45.
        ModerationCase(
            name: "a delay expiring inside the ITR window is owed, not re-armed",
            settings: ModerationSettings(minimumInterval: µs(20), packetDelay: µs(5)),
            steps: delayable(0, 6, 12, 24, 30),
            interrupts: [5, 25, 45]),
    ]

    @Test("interrupt times for a table of cause times and settings", arguments: cases)
    func table(_ row: ModerationCase) {
        let run = drive(row.settings, row.steps)
        #expect(run.interrupts == row.interrupts.map { SimTime.microseconds($0) })
        #expect(run.moderator.pending == row.pendingAfter)
        if row.pendingAfter { #expect(run.moderator.nextDeadline == nil, "stranded: no timer runs") }
    }

    @Test("counters say why each interrupt was sent")
    func countersByReason() {
        let starve = drive(ModerationSettings(packetDelay: µs(10)), causes(from: 0, through: 98, every: 2))
        #expect(starve.moderator.counters.firedByPacketTimer == 1)
        #expect(starve.moderator.counters.fired == 1)

        let bounded = drive(
            ModerationSettings(packetDelay: µs(10), absoluteDelay: µs(32)), causes(from: 0, through: 98, every: 2))
        var expected = ModerationCounters()
        expected.fired = 4
        expected.firedByAbsoluteTimer = 3
        expected.firedByPacketTimer = 1
        #expect(bounded.moderator.counters == expected)

        let itr = drive(ModerationSettings(minimumInterval: µs(10), frameThreshold: 3), causes(from: 0, through: 11))
        expected = ModerationCounters()
        expected.fired = 2
        expected.firedByThreshold = 2
        expected.postponedByITR = 1
        #expect(itr.moderator.counters == expected)

        let flush = drive(
            ModerationSettings(minimumInterval: µs(8), packetDelay: µs(10)),
            immediate(0) + delayable(1, 2) + [.flush(3)])
        expected = ModerationCounters()
        expected.fired = 2
        expected.immediate = 1
        expected.flushed = 1
        expected.postponedByITR = 1
        #expect(flush.moderator.counters == expected)
    }

    @Test("both delays expiring together count as the packet timer")
    func tie() {
        let run = drive(ModerationSettings(packetDelay: µs(10), absoluteDelay: µs(10)), delayable(0))
        #expect(run.interrupts == [.microseconds(10)])
        #expect(run.moderator.counters.firedByPacketTimer == 1)
        #expect(run.moderator.counters.firedByAbsoluteTimer == 0)
    }

    @Test("causes merging into an owed interrupt neither count, re-arm, nor change why it was owed")
    func mergeIntoOwed() {
        // 0 sent at once (window to 20). 6 arms the packet timer to 11; it expires inside the window, so the
        // interrupt is owed at 11 by the packet timer; 12, 13 (delayable), 14 (may not wait) and a flush at 15
        // merge into it.
        let p = ModeratorProbe(ModerationSettings(minimumInterval: µs(20), packetDelay: µs(5), frameThreshold: 3))
        #expect(p.cause(0, delayable: false) == 0)
        p.fire(0)
        #expect(p.cause(6) == nil)
        #expect(p.m.nextDeadline == .microseconds(20))
        #expect(p.cause(12) == 20)
        #expect(p.cause(13) == 20)
        #expect(p.cause(14, delayable: false) == 20)
        #expect(p.flush(15) == 20)
        #expect(p.m.waitingCauses == 1)
        #expect(p.deadline(20))
        p.fire(20)
        #expect(p.m.waitingCauses == 0)
        var expected = ModerationCounters()
        expected.fired = 2
        expected.immediate = 1
        expected.firedByPacketTimer = 1
        expected.postponedByITR = 1
        #expect(p.m.counters == expected)
    }

    @Test("a cause at the instant a timer expires merges if reported first, starts a batch if reported after")
    func equalInstants() {
        let first = ModeratorProbe(ModerationSettings(absoluteDelay: µs(10)))
        #expect(first.cause(0) == nil)
        #expect(first.cause(10) == 10)
        first.fire(10)
        #expect(!first.m.pending)
        #expect(first.m.nextDeadline == nil)

        let after = ModeratorProbe(ModerationSettings(absoluteDelay: µs(10)))
        #expect(after.cause(0) == nil)
        #expect(after.deadline(10))
        after.fire(10)
        #expect(after.cause(10) == nil)
        #expect(after.m.pending)
        #expect(after.m.nextDeadline == .microseconds(20))
    }

    @Test("a stale moderation event does not send; the re-armed deadline does")
    func staleEvent() {
        let p = ModeratorProbe(ModerationSettings(packetDelay: µs(10)))
        #expect(p.cause(0) == nil)
        #expect(p.m.nextDeadline == .microseconds(10))
        #expect(p.cause(5) == nil)
        #expect(p.m.nextDeadline == .microseconds(15))
        #expect(!p.deadline(10))
        #expect(p.m.waitingCauses == 2)
        #expect(p.deadline(15))
        p.fire(15)
        #expect(p.m.waitingCauses == 0)
        #expect(!p.deadline(16))
    }

    @Test("changed settings apply to later decisions; armed timers and the open window keep their ends")
    func settingsChange() {
        let p = ModeratorProbe(ModerationSettings(minimumInterval: µs(8), packetDelay: µs(10)))
        #expect(p.cause(0) == nil)
        p.m.settings = ModerationSettings(minimumInterval: µs(100), packetDelay: µs(50))
        #expect(p.m.nextDeadline == .microseconds(10))
        #expect(p.deadline(10))
        p.fire(10)
        // The window opened at 10 uses the new 100 µs.
        #expect(p.cause(20, delayable: false) == 110)
        // Switching moderation off leaves the window open.
        p.m.settings = .off
        #expect(p.cause(30, delayable: false) == 110)
        #expect(p.deadline(110))
        p.fire(110)
        #expect(p.cause(111) == 111)
    }

    @Test("a suppressed interrupt ends the batch without opening the ITR window")
    func suppressed() {
        let p = ModeratorProbe(ModerationSettings(minimumInterval: µs(8), frameThreshold: 4))
        #expect(p.cause(0) == nil)
        #expect(p.cause(0, delayable: false) == 0)
        p.m.suppressed(at: .zero)
        #expect(!p.m.pending)
        #expect(p.cause(1, delayable: false) == 1)
        p.fire(1)
        #expect(p.m.counters.suppressed == 1)
        #expect(p.m.counters.fired == 1)
    }

    @Test("reset forgets waiting causes, timers and the window, keeps settings and counters")
    func reset() {
        let p = ModeratorProbe(ModerationSettings(minimumInterval: µs(8), packetDelay: µs(10)))
        #expect(p.cause(0, delayable: false) == 0)
        p.fire(0)
        #expect(p.cause(1) == nil)
        p.m.reset()
        #expect(!p.m.pending)
        #expect(p.m.nextDeadline == nil)
        #expect(p.m.counters.fired == 1)
        #expect(p.m.settings.packetDelay == µs(10))
        #expect(p.cause(2, delayable: false) == 2)
    }

    @Test(
        "register values to settings",
        arguments: [
            (UInt32(0), UInt32(0), UInt32(0), UInt32(0), ModerationSettings.off),
            (
                4, 8, 32, 16,
                ModerationSettings(
                    minimumInterval: .nanoseconds(1_024), packetDelay: .nanoseconds(8_192),
                    absoluteDelay: .nanoseconds(32_768), frameThreshold: 16)
            ),
            // Bits 31:16 are ignored, FPD included.
            (
                0xFFFF_0001, 0x8000_0002, 0x0001_0000, 0,
                ModerationSettings(
                    minimumInterval: .nanoseconds(256), packetDelay: .nanoseconds(2_048))
            ),
            (
                0xFFFF, 0xFFFF, 0xFFFF, 1,
                ModerationSettings(
                    minimumInterval: .nanoseconds(16_776_960), packetDelay: .nanoseconds(67_107_840),
                    absoluteDelay: .nanoseconds(67_107_840), frameThreshold: 1)
            ),
        ])
    func registers(
        itr: UInt32, packetDelay: UInt32, absoluteDelay: UInt32, threshold: UInt32,
        expected: ModerationSettings
    ) {
        let settings = ModerationSettings.fromRegisters(
            itr: itr, packetDelay: packetDelay, absoluteDelay: absoluteDelay, frameThreshold: threshold)
        #expect(settings == expected)
    }

    @Test("a delay too long for the clock saturates instead of wrapping")
    func saturation() {
        let p = ModeratorProbe(ModerationSettings(packetDelay: SimDuration(rawValue: .max)))
        #expect(p.cause(1) == nil)
        #expect(p.m.nextDeadline == .never)
        #expect(!p.deadline(1_000_000_000))
    }

    @Test(
        "random load: each cause is reported within absolute delay + ITR, interrupts at least ITR apart",
        arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func bounds(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "moderation")
        let interval = Int64(random.next() % 12)
        let absolute = 1 + Int64(random.next() % 40)
        let settings = ModerationSettings(
            minimumInterval: µs(interval), packetDelay: µs(Int64(random.next() % 20)), absoluteDelay: µs(absolute),
            frameThreshold: Int(random.next() % 6))
        var steps: [ModerationStep] = []
        var t: Int64 = 0
        for _ in 0..<300 {
            t += Int64(random.next() % 4)
            switch random.next() % 10 {
            case 0: steps.append(.cause(t, delayable: false))
            case 1: steps.append(.flush(t))
            default: steps.append(.cause(t, delayable: true))
            }
        }
        let run = drive(settings, steps)
        #expect(!run.moderator.pending)
        for (a, b) in zip(run.interrupts, run.interrupts.dropFirst()) {
            #expect(b - a >= µs(interval), "\(settings)")
        }
        let causeTimes = steps.compactMap { step -> SimTime? in
            if case .cause = step { step.time } else { nil }
        }
        for (time, index) in zip(causeTimes, run.reportedBy) {
            #expect(index < run.interrupts.count)
            guard index < run.interrupts.count else { continue }
            #expect(run.interrupts[index] >= time)
            #expect(run.interrupts[index] <= time + µs(absolute + interval), "\(settings)")
        }
    }

    @Test("sending with nothing owed is a bug and traps")
    func firedWithoutCause() async {
        await #expect(processExitsWith: .failure) {
            var m = InterruptModerator()
            m.fired(at: .zero)
        }
    }

    @Test("sending inside the ITR window is a bug and traps")
    func firedTooEarly() async {
        await #expect(processExitsWith: .failure) {
            var m = InterruptModerator(settings: ModerationSettings(minimumInterval: .microseconds(8)))
            _ = m.causeRaised(at: .zero, delayable: false)
            m.fired(at: .zero)
            _ = m.causeRaised(at: .microseconds(1), delayable: false)
            m.fired(at: .microseconds(1))
        }
    }
}
