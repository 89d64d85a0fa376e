import Foundation
import SimCore
import Testing
import VDEPort

extension VDEPortTestsRoot {
    @Suite struct VDEPortSimulationTests {
        /// A port on a switch, a paced simulation feeding it a frame every millisecond, and an outside plug that
        /// both reads what the port sends and sends frames the port injects.
        @Test func aPortCarriesFramesBothWaysInRealTime() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let outside = try VDEConnection(url: vdeSwitch.url, description: "outside")
            defer { outside.close() }

            let sim = Simulator(seed: 1)
            let port = try VDEPort(simulator: sim, name: "vde0", url: vdeSwitch.url, pollInterval: .microseconds(100))
            defer { port.close() }
            let collector = FrameCollector()
            port.inbound = collector
            let feeder = FrameFeeder(simulator: sim, sink: port)
            var sent: [[UInt8]] = []
            for i in 0..<8 {
                let frame = testFrame(to: macB, from: macA, length: 64 + 150 * i, tag: UInt8(i))
                sent.append(frame)
                feeder.send(frame, at: .milliseconds(Int64(i + 1)), simulator: sim)
            }
            // The outside plug reads every 200 us and answers each frame with one of its own.
            let outsideBuffer = VDEFrameBuffer(frames: 16, bytesPerFrame: 2048)
            var atOutside: [[UInt8]] = []
            var replies: [[UInt8]] = []
            let trigger = Trigger(simulator: sim)
            for step in 1...60 {
                trigger.at(.microseconds(Int64(step * 200)), simulator: sim) { _ in
                    let n = (try? outside.receive(into: outsideBuffer)) ?? 0
                    for k in 0..<n {
                        atOutside.append(outsideBuffer.contents(ofFrame: k))
                        let reply = testFrame(to: macA, from: macB, length: 90, tag: UInt8(100 + replies.count))
                        replies.append(reply)
                        _ = try? outside.send(reply, from: 0, count: reply.count)
                    }
                }
            }
            pause(milliseconds: 100)  // vde_switch drops frames from plugs that send right after opening
            let pacer = RealTimePacer(simulator: sim)
            pacer.start(simulator: sim)
            #expect(sim.run(until: .milliseconds(15)) == .reachedTime)
            pause(milliseconds: 100)

            #expect(atOutside == sent)
            #expect(collector.arrivals.map(\.bytes) == replies)
            #expect(replies.count == sent.count)
            // Injected frames arrive at poll times: whole multiples of the 100 us poll interval.
            #expect(collector.arrivals.allSatisfy { $0.time.rawValue % SimDuration.microseconds(100).rawValue == 0 })
            let counters = port.counters
            #expect(counters.framesSent == 8)
            #expect(counters.framesReceived == 8)
            #expect(counters.framesInjected == 8)
            #expect(counters.polls >= 100)
            #expect(counters.sendDrops == 0 && counters.sendErrors == 0 && counters.receiveErrors == 0)
            #expect(sim.frames.live == 0)
            #expect(pacer.report.ticks == 150)
        }

        @Test func shortFramesArePaddedAndLongFramesFlaggedOnAVDESwitch() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let outside = try VDEConnection(url: vdeSwitch.url, description: "outside")
            defer { outside.close() }
            let sim = Simulator(seed: 1, maxFrameBytes: 2048)
            let port = try VDEPort(simulator: sim, name: "vde0", url: vdeSwitch.url, pollInterval: nil)
            defer {
                pause(milliseconds: 100)
                port.close()
            }
            pause(milliseconds: 100)
            let feeder = FrameFeeder(simulator: sim, sink: port)
            let buffer = VDEFrameBuffer(frames: 4, bytesPerFrame: 4096)

            let short = testFrame(to: macB, from: macA, length: 42, tag: 1)
            feeder.send(short, at: .microseconds(1), simulator: sim)
            sim.run()
            #expect(try receiveFrames(outside, buffer: buffer) == [short + [UInt8](repeating: 0, count: 18)])

            let long = testFrame(to: macB, from: macA, length: 1600, tag: 2)
            feeder.send(long, at: .microseconds(2), simulator: sim)
            sim.run()
            let received = try receiveFrames(outside, buffer: buffer)
            #expect(received.count == 1)
            // vde_switch delivers only the first 1,518 bytes.
            #expect(received.first == Array(long.prefix(VDEConnection.vdeSwitchMaximumFrameLength)))

            let counters = port.counters
            #expect(counters.paddedFrames == 1)
            #expect(counters.oversizeFlagged == 1)
            #expect(counters.framesSent == 2)
            #expect(counters.bytesSent == 60 + 1600)
        }

        @Test func longFramesAreNotFlaggedOverPointToPoint() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let url = "ptp://" + directory.path + "/link"
            let outside = try VDEConnection(url: url)
            defer { outside.close() }
            let sim = Simulator(seed: 1, maxFrameBytes: 9018)
            let port = try VDEPort(simulator: sim, name: "vde0", url: url, pollInterval: nil)
            defer { port.close() }
            let long = testFrame(to: macB, from: macA, length: 9000, tag: 3)
            FrameFeeder(simulator: sim, sink: port).send(long, at: .microseconds(1), simulator: sim)
            sim.run()
            let buffer = VDEFrameBuffer(frames: 2, bytesPerFrame: VDEConnection.libraryMaximumFrameLength)
            #expect(try receiveFrames(outside, buffer: buffer) == [long])
            #expect(port.counters.oversizeFlagged == 0)
        }

        @Test func framesTooLongForTheSimulationAreCountedAndDropped() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let url = "ptp://" + directory.path + "/link"
            let outside = try VDEConnection(url: url)
            defer { outside.close() }
            let sim = Simulator(seed: 1)  // 1,536-byte slots
            let port = try VDEPort(simulator: sim, name: "vde0", url: url, pollInterval: .microseconds(100))
            defer { port.close() }
            let collector = FrameCollector()
            port.inbound = collector
            let jumbo = testFrame(to: macA, from: macB, length: 4000, tag: 4)
            let fits = testFrame(to: macA, from: macB, length: 1536, tag: 5)
            let runt = [UInt8](repeating: 0xEE, count: 10)
            for frame in [jumbo, runt, fits] { try outside.send(frame, from: 0, count: frame.count) }
            sim.run(until: .microseconds(150))
            #expect(collector.arrivals.map(\.bytes) == [fits])
            #expect(collector.arrivals.first?.time == .microseconds(100))
            #expect(port.counters.receivedTooLong == 1)
            #expect(port.counters.shortReads == 1)
            #expect(sim.frames.live == 0)
        }

        @Test func aNullPortAcceptsSendsAndInjectsNothing() throws {
            let sim = Simulator(seed: 1)
            let port = try VDEPort(simulator: sim, name: "null0", url: "null://", pollInterval: .microseconds(50))
            defer { port.close() }
            let collector = FrameCollector()
            port.inbound = collector
            let feeder = FrameFeeder(simulator: sim, sink: port)
            for i in 0..<5 {
                feeder.send(
                    testFrame(to: macB, from: macA, length: 100, tag: UInt8(i)), at: .microseconds(Int64(10 * i)),
                    simulator: sim)
            }
            sim.run(until: .milliseconds(1))
            #expect(port.counters.framesSent == 5)
            #expect(port.counters.polls == 20)
            #expect(collector.arrivals.isEmpty)
            #expect(sim.frames.live == 0)
        }

        @Test func openingAPortOnAMissingSwitchThrows() throws {
            let sim = Simulator(seed: 1)
            let error = try #require(throws: VDEError.self) {
                _ = try VDEPort(simulator: sim, name: "vde0", url: "vde:///tmp/nicsim-no-such-switch-\(getpid())")
            }
            #expect(error.code == .openFailed)
        }

        /// The switch is killed mid-run. A send-only port learns it from the failed send, a polling port from its
        /// control connection; either way the run goes on to its end and every later frame is counted.
        @Test func aSwitchKilledMidRunTakesASendOnlyPortDownOnTheFailedSend() throws {
            try switchKilledMidRun(polling: false)
        }

        @Test func aSwitchKilledMidRunTakesAPollingPortDownWhenItsControlConnectionCloses() throws {
            try switchKilledMidRun(polling: true)
        }

        private func switchKilledMidRun(polling: Bool) throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let sim = Simulator(seed: 1)
            let port = try VDEPort(
                simulator: sim, name: "vde0", url: vdeSwitch.url, pollInterval: polling ? .microseconds(100) : nil)
            defer { port.close() }
            var reported: [VDEError] = []
            port.failureHandler = { reported.append($0) }
            let feeder = FrameFeeder(simulator: sim, sink: port)
            for i in 0..<30 {
                feeder.send(
                    testFrame(to: macB, from: macA, length: 200, tag: UInt8(i)), at: .milliseconds(Int64(i)),
                    simulator: sim)
            }
            let trigger = Trigger(simulator: sim)
            trigger.at(.microseconds(10_500), simulator: sim) { _ in vdeSwitch.crash() }
            pause(milliseconds: 100)
            let pacer = RealTimePacer(simulator: sim)
            pacer.start(simulator: sim)
            #expect(sim.run(until: .milliseconds(40)) == .reachedTime)

            #expect(port.isDown)
            #expect(reported.count == 1)
            let reason = try #require(port.downReason)
            if polling {
                // The poll sees the control connection close before the next frame is due.
                #expect(reason.code == .peerClosed)
            } else {
                #expect(reason.code == .sendFailed)
                #expect([ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET, ENOENT].contains(reason.errno))
            }
            let counters = port.counters
            #expect(counters.framesSent == 11)
            #expect(counters.sendErrors == (polling ? 0 : 1))
            #expect(counters.framesSent + counters.sendErrors + counters.discardedWhileDown == 30)
            #expect(!port.isPolling)
            #expect(sim.frames.live == 0)
        }
    }
}
