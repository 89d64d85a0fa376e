import Foundation
import SimCore
import Testing
import VDEPort

extension VDEPortTestsRoot {
    @Suite struct RealTimePacerTests {
        @Test func percentilesOfASingleValueAreThatValue() {
            for value: Int64 in [0, 1, 15, 16, 17, 100, 1_000, 123_456, 9_999_999_999] {
                var recorder = LatenessRecorder()
                recorder.record(nanoseconds: value)
                #expect(recorder.percentile(0.5) == value)
                #expect(recorder.percentile(0.99) == value)
                #expect(recorder.maximum == value)
            }
        }

        @Test func percentilesAreWithinOneEighthAbove() {
            var recorder = LatenessRecorder()
            for value in 1...10_000 { recorder.record(nanoseconds: Int64(value)) }
            recorder.record(nanoseconds: -5)  // counts as 0
            #expect(recorder.count == 10_001)
            let p50 = recorder.percentile(0.5)
            let p99 = recorder.percentile(0.99)
            #expect(p50 >= 5_000 && p50 <= 5_000 * 9 / 8)
            #expect(p99 >= 9_900 && p99 <= 10_000)
            #expect(recorder.percentile(1) == 10_000)
            #expect(recorder.percentile(0) == 0)
            #expect(LatenessRecorder().percentile(0.5) == 0)
        }

        @Test func virtualTimeFollowsTheWallClock() {
            let sim = Simulator(seed: 1)
            let pacer = RealTimePacer(simulator: sim, tick: .microseconds(100))
            let start = ContinuousClock.now
            pacer.start(simulator: sim)
            sim.run(until: .milliseconds(30))
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(30))
            let report = pacer.report
            #expect(report.ticks == 300)
            #expect(report.virtualElapsed == .milliseconds(30))
            #expect(report.sleeps > 0)
            #expect(report.p50LatenessNanoseconds <= report.p99LatenessNanoseconds)
            #expect(report.p99LatenessNanoseconds <= report.maxLatenessNanoseconds)
            #expect(report.summary.hasPrefix("pacing: 300 ticks"))
        }

        @Test func aSlowEventShowsUpAsLateness() {
            let sim = Simulator(seed: 1)
            let pacer = RealTimePacer(simulator: sim, tick: .microseconds(100))
            let trigger = Trigger(simulator: sim)
            trigger.at(.microseconds(5_050), simulator: sim) { _ in
                let until = ContinuousClock.now + .milliseconds(3)
                while ContinuousClock.now < until {}  // a component that takes 3 ms of wall time
            }
            pacer.start(simulator: sim)
            sim.run(until: .milliseconds(10))
            let report = pacer.report
            #expect(report.lateTicks >= 1)
            #expect(report.maxLatenessNanoseconds >= 2_000_000)
        }

        @Test func withoutThePacerTheSimulationRunsAsFastAsItCan() {
            let sim = Simulator(seed: 1)
            let pacer = RealTimePacer(simulator: sim)
            pacer.start(simulator: sim)
            pacer.stop()
            let start = ContinuousClock.now
            sim.run(until: .seconds(10))
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(pacer.report.ticks == 0)
            #expect(sim.pendingEvents == 0)
        }
    }
}
