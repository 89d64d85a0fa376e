import Foundation
import SimCore
import Testing
import VDEPort

/// A clock the test moves: every read advances it by `readCost` (so spins end), a sleep jumps to its deadline plus
/// `oversleep` (the operating system's wake-up latency), and `work` lets a test say that the simulation took
/// wall time. Nothing here sleeps.
final class FakeClock: PacingClock {
    var time: Int64
    var readCost: Int64 = 10
    var oversleep: Int64 = 0
    private(set) var sleeps: [Int64] = []
    private(set) var reads = 0
    private(set) var began = 0
    private(set) var ended = 0

    init(at time: Int64 = 1_000_000_000) { self.time = time }

    func now() -> Int64 {
        reads += 1
        let t = time
        time += readCost
        return t
    }

    func sleep(until deadline: Int64) {
        sleeps.append(deadline)
        time = max(time, deadline) + oversleep
    }

    func work(_ nanoseconds: Int64) { time += nanoseconds }
    func beginPacing() { began += 1 }
    func endPacing() { ended += 1 }
}

extension VDEPortTestsRoot {
    @Suite struct RealTimePacerTests {
        /// A pacer on a fake clock whose anchor is wall `origin` for virtual 0.
        static func pacer(_ clock: FakeClock, configure: (inout RealTimePacer.Configuration) -> Void = { _ in })
            -> (Simulator, RealTimePacer)
        {
            let sim = Simulator(seed: 1)
            var configuration = RealTimePacer.Configuration()
            configure(&configuration)
            let pacer = RealTimePacer(simulator: sim, configuration: configuration, clock: clock)
            pacer.start(simulator: sim)
            return (sim, pacer)
        }

        static let threshold: Int64 = 50_000

        /// Within a few clock reads.
        func near(_ value: Int64, _ expected: Int64) -> Bool { abs(value - expected) <= 20 }
        static let limit: Int64 = 1_000_000

        @Test(arguments: [
            // (wall, due) → decision, with the default 50 us threshold and 1 ms limit
            (0, 1_000_000, RealTimePacer.Decision.sleep(until: 950_000)),
            (949_999, 1_000_000, .sleep(until: 950_000)),
            (950_000, 1_000_000, .spin(until: 1_000_000)),
            (999_999, 1_000_000, .spin(until: 1_000_000)),
            (1_000_000, 1_000_000, .send(lateness: 0)),
            (1_300_000, 1_000_000, .send(lateness: 300_000)),
            (2_000_000, 1_000_000, .send(lateness: 1_000_000)),
            (2_000_001, 1_000_000, .behind(lateness: 1_000_001)),
        ] as [(Int64, Int64, RealTimePacer.Decision)])
        func decisions(wall: Int64, due: Int64, expected: RealTimePacer.Decision) {
            #expect(RealTimePacer.decision(wall: wall, due: due, configuration: .init()) == expected)
        }

        @Test func withoutASpinThresholdThePacerOnlySleeps() {
            var configuration = RealTimePacer.Configuration()
            configuration.spinThresholdNanoseconds = 0
            #expect(RealTimePacer.decision(wall: 10, due: 20, configuration: configuration) == .sleep(until: 20))
            #expect(RealTimePacer.decision(wall: 20, due: 20, configuration: configuration) == .send(lateness: 0))
        }

        @Test func aFrameSleepsToShortlyBeforeItsTimeThenSpinsToIt() {
            let clock = FakeClock()
            let (_, pacer) = Self.pacer(clock)
            let origin = clock.time - clock.readCost  // the anchor read
            let late = pacer.waitToSend(at: .milliseconds(1))
            #expect(clock.sleeps == [origin + 1_000_000 - Self.threshold])
            #expect(late >= 0 && late <= clock.readCost)
            let report = pacer.report
            #expect(report.frames == 1)
            #expect(report.sleeps == 1 && report.spins == 1)
            #expect(
                report.spunNanoseconds >= Self.threshold - clock.readCost
                    && report.spunNanoseconds <= Self.threshold + clock.readCost)
            #expect(report.framesOverLimit == 0 && report.behindEpisodes == 0)
            #expect(clock.began == 1)
        }

        @Test func aSleepThatWakesLateIsNotFollowedByASpin() {
            let clock = FakeClock()
            clock.oversleep = 80_000  // wakes 30 us after the due time
            let (_, pacer) = Self.pacer(clock)
            let late = pacer.waitToSend(at: .milliseconds(1))
            #expect(late == 30_000)
            #expect(pacer.report.spins == 0)
            #expect(pacer.report.p50LatenessNanoseconds >= 29_970 && pacer.report.p50LatenessNanoseconds <= 30_030)
        }

        @Test func aFrameDueWithinTheThresholdIsSpunForWithoutSleeping() {
            let clock = FakeClock()
            let (_, pacer) = Self.pacer(clock)
            let late = pacer.waitToSend(at: .microseconds(20))
            #expect(clock.sleeps.isEmpty)
            #expect(pacer.report.spins == 1)
            #expect(late <= clock.readCost)
        }

        @Test func aLateFrameWithinTheLimitGoesAtOnceAndTheScheduleStays() {
            let clock = FakeClock()
            clock.readCost = 1
            let (_, pacer) = Self.pacer(clock)
            clock.work(1_300_000)  // the simulation took 1.3 ms of wall time before its 1 ms frame
            #expect(near(pacer.waitToSend(at: .milliseconds(1)), 300_000))
            // The next frame, 100 us later in virtual time, is 200 us late: the backlog goes out at once.
            #expect(near(pacer.waitToSend(at: .microseconds(1_100)), 200_000))
            #expect(clock.sleeps.isEmpty)
            let report = pacer.report
            #expect(report.framesOverLimit == 0 && report.behindEpisodes == 0 && report.slipNanoseconds == 0)
            #expect(report.maxLatenessNanoseconds >= 299_900 && report.maxLatenessNanoseconds <= 300_100)
        }

        @Test func aFrameOverTheLimitSlipsTheScheduleAndSaysSo() {
            let clock = FakeClock()
            clock.readCost = 1
            let (_, pacer) = Self.pacer(clock)
            var events: [RealTimePacer.BehindEvent] = []
            pacer.behindHandler = { events.append($0) }
            clock.work(6_000_000)  // a 5 ms stall before the 1 ms frame
            let late = pacer.waitToSend(at: .milliseconds(1))
            #expect(near(late, 5_000_000))
            guard case .started(let time, let reported, let slip)? = events.first else {
                Issue.record("no behind event: \(events)")
                return
            }
            #expect(time == .milliseconds(1) && reported == late && slip == late - Self.limit)
            // The schedule slipped by the lateness less the limit: the next frame is late by the limit less its
            // spacing.
            #expect(near(pacer.waitToSend(at: .microseconds(1_100)), 900_000))
            #expect(pacer.report.behindEpisodes == 1 && pacer.report.stillBehind)
            // A frame the pacer has to wait for ends the episode.
            #expect(pacer.waitToSend(at: .milliseconds(3)) <= clock.readCost)
            #expect(events.count == 2)
            guard case .caughtUp(let at, let wall, let frames, let total)? = events.last else {
                Issue.record("no catch-up event: \(events)")
                return
            }
            // The waiting frame repaid 10 % of its 1.9 ms from the frame before: 190 us of the slip.
            #expect(at == .milliseconds(3) && frames == 1 && total == late - Self.limit - 190_000)
            #expect(near(wall, 0))  // the waiting frame was read right after the one before it
            let report = pacer.report
            #expect(report.framesOverLimit == 1 && report.behindEpisodes == 1 && !report.stillBehind)
            #expect(report.slipNanoseconds == late - Self.limit - 190_000)
            #expect(report.maxSlipNanoseconds == late - Self.limit)
            #expect(report.behindWallNanoseconds == wall)
        }

        @Test func aSlipIsRepaidAtMostTenPercentFasterThanTheSchedule() {
            let clock = FakeClock()
            let (_, pacer) = Self.pacer(clock)
            let gap = SimDuration.microseconds(100)
            var time = SimTime.zero + gap
            pacer.waitToSend(at: time)
            clock.work(5_000_000)  // a 5 ms stall: the schedule slips by about 4 ms
            var sends: [Int64] = []
            for _ in 0..<1_000 {
                time += gap
                pacer.waitToSend(at: time)
                sends.append(clock.time)
            }
            let maxSlip = pacer.report.maxSlipNanoseconds
            #expect(maxSlip > 3_800_000 && maxSlip < 4_000_000)
            // Repaid in full: 10 us per 100 us frame, about 400 frames.
            #expect(pacer.report.slipNanoseconds == 0)
            // Once the backlog is out, frames are never closer than 90 % of their spacing.
            let spacings = zip(sends.dropFirst(20), sends.dropFirst(21)).map { $1 - $0 }
            #expect(spacings.allSatisfy { $0 >= 90_000 - 100 })
            #expect(spacings.contains { $0 < 95_000 })  // and some were repaying
            #expect(spacings.suffix(100).allSatisfy { abs($0 - 100_000) < 100 })  // then back to the schedule
        }

        @Test func afterAStallAtMostTheLimitsWorthOfFramesGoesOutBackToBack() {
            let clock = FakeClock()
            let (_, pacer) = Self.pacer(clock)
            let gap = SimDuration.microseconds(100)
            var time = SimTime.zero + gap
            pacer.waitToSend(at: time)
            clock.work(50_000_000)  // 50 ms without being scheduled
            var backToBack = 0
            for _ in 0..<100 {
                time += gap
                let before = pacer.report.sleeps + pacer.report.spins
                pacer.waitToSend(at: time)
                if pacer.report.sleeps + pacer.report.spins != before { break }
                backToBack += 1
            }
            // 1 ms of frames 100 us apart, plus the one over the limit.
            #expect(backToBack >= 10 && backToBack <= 11)
            #expect(pacer.report.framesOverLimit == 1)
            #expect(pacer.report.behindEpisodes == 1 && !pacer.report.stillBehind)
        }

        @Test func aSimulationSlowerThanTheWallStaysBehindAndSaysHowFar() {
            let clock = FakeClock()
            clock.readCost = 1
            let (_, pacer) = Self.pacer(clock)
            var events: [RealTimePacer.BehindEvent] = []
            pacer.behindHandler = { events.append($0) }
            // Each 100 us frame costs 200 us of wall time: the machine does half the work asked.
            for k in 1...1_000 {
                clock.work(200_000)
                pacer.waitToSend(at: .microseconds(Int64(k * 100)))
            }
            let report = pacer.report
            #expect(events.count == 1)  // fell behind once, never caught up
            #expect(report.stillBehind && report.behindEpisodes == 1)
            #expect(report.framesOverLimit > 900)
            #expect(report.behindWallNanoseconds > 190_000_000)
            // 1,000 frames over 200 ms of wall time asked for 100 ms: the slip is the difference less the limit.
            #expect(report.slipNanoseconds > 95_000_000 && report.slipNanoseconds < 100_000_000)
            #expect(report.achievedFramesPerSecond > 4_900 && report.achievedFramesPerSecond < 5_100)
            #expect(report.scheduledFramesPerSecond > 9_900 && report.scheduledFramesPerSecond < 10_100)
            #expect(report.maxLatenessNanoseconds <= 1_102_000)  // never more than the limit plus one frame
            #expect(report.summary.contains("behind 1×"))
        }

        @Test func ticksKeepTheSimulationOneLeadAheadAndRecordNoLateness() {
            let clock = FakeClock()
            clock.readCost = 1
            let origin = clock.time
            let (sim, pacer) = Self.pacer(clock)  // lead 500 us, tick 100 us
            #expect(sim.run(until: .milliseconds(1)) == .reachedTime)
            let report = pacer.report
            #expect(report.ticks == 10)
            #expect(report.frames == 0)
            // Ticks 1…5 are due within the lead of the start: no sleep; ticks 6…10 sleep to a lead before theirs.
            #expect(clock.sleeps == (6...10).map { origin + Int64($0) * 100_000 - 500_000 })
            #expect(pacer.report.maxLatenessNanoseconds == 0)
        }

        @Test func seriesGivesEachIntervalItsLatenessAndRate() {
            let clock = FakeClock()
            clock.readCost = 1
            let (_, pacer) = Self.pacer(clock) { $0.seriesInterval = .milliseconds(1) }
            // Interval 0: 10 frames on time; interval 1: nothing; interval 2: 5 frames 400 us late.
            for k in 0..<10 { pacer.waitToSend(at: .microseconds(Int64(k * 100))) }
            let base = pacer.dueTime(of: .milliseconds(2))
            clock.time = base + 400_000
            for k in 0..<5 { pacer.waitToSend(at: .milliseconds(2) + .microseconds(Int64(k * 10))) }
            let series = pacer.series
            #expect(series.map(\.start) == [.zero, .milliseconds(2)])
            #expect(series.map(\.frames) == [10, 5])
            #expect(series[0].maxLatenessNanoseconds <= 2)
            #expect(series[0].framesPerSecond == 10_000)
            #expect(series[1].p50LatenessNanoseconds >= 350_000 && series[1].maxLatenessNanoseconds <= 400_500)
            #expect(series[1].p999LatenessNanoseconds <= series[1].maxLatenessNanoseconds)
        }

        @Test func aStoppedPacerLetsFramesGoWithoutReadingTheClock() {
            let clock = FakeClock()
            let (sim, pacer) = Self.pacer(clock)
            pacer.stop()
            let reads = clock.reads
            #expect(pacer.waitToSend(at: .seconds(5)) == 0)
            #expect(clock.reads == reads)
            #expect(clock.ended == 1)
            sim.run(until: .seconds(10))
            #expect(pacer.report.ticks == 0 && pacer.report.frames == 0)
            #expect(sim.pendingEvents == 0)
        }

        @Test func reanchoringForgivesTheTimeBeforeTheRun() {
            let clock = FakeClock()
            clock.readCost = 1
            let (sim, pacer) = Self.pacer(clock)
            clock.work(300_000_000)  // the world was built 300 ms before it runs
            pacer.reanchor(at: sim.now)
            #expect(pacer.waitToSend(at: .microseconds(100)) <= clock.readCost)
            #expect(pacer.report.behindEpisodes == 0)
        }

        @Test func thePortWaitsOnThePacerBeforeEveryFrame() throws {
            let clock = FakeClock()
            clock.readCost = 1
            let origin = clock.time
            let (sim, pacer) = Self.pacer(clock) { $0.tick = .seconds(1) }
            let port = try VDEPort(simulator: sim, name: "vde", url: "null://", pollInterval: nil)
            defer { port.close() }
            port.pacer = pacer
            let feeder = FrameFeeder(simulator: sim, sink: port)
            let frame = testFrame(to: [2, 0, 0, 0, 0, 2], from: [2, 0, 0, 0, 0, 1], length: 100, tag: 1)
            let times = [SimTime.microseconds(500), .microseconds(700), .microseconds(1_000)]
            for t in times { feeder.send(frame, at: t, simulator: sim) }
            sim.run(until: .milliseconds(2))
            #expect(port.counters.framesSent == 3)
            let report = pacer.report
            #expect(report.frames == 3)
            #expect(report.maxLatenessNanoseconds <= 2)
            #expect(clock.sleeps == times.map { origin + $0.rawValue / 1_000 - Self.threshold })
            #expect(report.scheduledFramesPerSecond == 4_000)
        }
    }
}
