import Foundation
import Testing
import VDEPort

extension VDEPortTestsRoot {
    @Suite struct VDEConnectionTests {
        @Test func opensAndClosesAgainstARunningSwitch() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let connection = try VDEConnection(url: vdeSwitch.url)
            #expect(connection.state == .open)
            #expect(connection.scheme == "vde")
            #expect(connection.truncatesLongFrames)
            connection.close()
            #expect(connection.state == .closed)
            connection.close()  // twice is harmless
            #expect(throws: VDEError.self) { try connection.send([UInt8](repeating: 0, count: 60), from: 0, count: 60) }
            #expect(connection.counters.discardedWhileDown == 1)
        }

        @Test func twoPlugsOnOneSwitchExchangeFramesByteForByte() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let a = try VDEConnection(url: vdeSwitch.url, description: "test a")
            let b = try VDEConnection(url: vdeSwitch.url, description: "test b")
            defer {
                pause(milliseconds: 100)  // let the switch handle what is queued before the plugs close
                a.close()
                b.close()
            }
            pause(milliseconds: 100)  // vde_switch drops frames from plugs that send right after opening
            let bufferA = VDEFrameBuffer(frames: 16, bytesPerFrame: 2048)
            let bufferB = VDEFrameBuffer(frames: 16, bytesPerFrame: 2048)
            let lengths = [60, 61, 100, 333, 1000, 1514]
            var toB: [[UInt8]] = []
            var atB: [[UInt8]] = []
            for (i, length) in lengths.enumerated() {
                let frame = testFrame(to: macB, from: macA, length: length, tag: UInt8(i))
                toB.append(frame)
                #expect(try a.send(frame, from: 0, count: frame.count))
                atB += try receiveFrames(b, buffer: bufferB)
            }
            #expect(atB == toB)
            let reply = testFrame(to: macA, from: macB, length: 200, tag: 99)
            #expect(try b.send(reply, from: 0, count: reply.count))
            #expect(try receiveFrames(a, buffer: bufferA) == [reply])
            #expect(a.counters.framesSent == lengths.count)
            #expect(a.counters.bytesSent == lengths.reduce(0, +))
            #expect(b.counters.framesReceived == lengths.count)
            #expect(a.counters.sendDrops == 0 && a.counters.sendErrors == 0)
        }

        @Test func aSwitchThatIsNotThereIsAClearErrorAtOpen() throws {
            let url = "vde:///tmp/nicsim-no-such-switch-\(getpid())"
            let error = try #require(throws: VDEError.self) { _ = try VDEConnection(url: url) }
            #expect(error.code == .openFailed)
            #expect(error.url == url)
            #expect(error.errno == ENOENT)
            #expect(error.description.contains("vde_switch"))
            #expect(error.description.contains("ENOENT"))
        }

        @Test func anUnknownPluginIsAClearErrorAtOpen() throws {
            let error = try #require(throws: VDEError.self) { _ = try VDEConnection(url: "nosuchplugin://x") }
            #expect(error.code == .openFailed)
            #expect(error.errno == EPROTONOSUPPORT)
        }

        @Test func aPointToPointPairExchangesFramesIncludingJumboFrames() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let url = "ptp://" + directory.path + "/link"
            let first = try VDEConnection(url: url)
            let second = try VDEConnection(url: url)
            defer {
                first.close()
                second.close()
            }
            #expect(first.scheme == "ptp" && !first.truncatesLongFrames)
            let buffer = VDEFrameBuffer(frames: 8, bytesPerFrame: VDEConnection.libraryMaximumFrameLength)
            let jumbo = testFrame(to: macB, from: macA, length: 9000, tag: 1)
            let small = testFrame(to: macA, from: macB, length: 64, tag: 2)
            #expect(try first.send(jumbo, from: 0, count: jumbo.count))
            #expect(try receiveFrames(second, buffer: buffer) == [jumbo])
            #expect(try second.send(small, from: 0, count: small.count))
            #expect(try receiveFrames(first, buffer: buffer) == [small])
        }

        @Test func nullAcceptsEverySendAndDeliversNothing() throws {
            let connection = try VDEConnection(url: "null://")
            defer { connection.close() }
            let frame = testFrame(to: macB, from: macA, length: 100, tag: 0)
            for _ in 0..<5 { #expect(try connection.send(frame, from: 0, count: frame.count)) }
            let buffer = VDEFrameBuffer(frames: 4, bytesPerFrame: 1600)
            #expect(try connection.receive(into: buffer, timeoutMilliseconds: 10) == 0)
            #expect(connection.counters.framesSent == 5)
            #expect(connection.counters.framesReceived == 0)
        }

        @Test func aFullSocketQueueIsACountedDropNotAWait() throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let url = "ptp://" + directory.path + "/link"
            let sender = try VDEConnection(url: url)
            let reader = try VDEConnection(url: url)  // never reads: its queue fills
            defer {
                sender.close()
                reader.close()
            }
            let result = sender.blast(count: 5_000, frameLength: 1514)
            #expect(result.attempted == 5_000)
            #expect(result.sent + result.dropped == 5_000)
            #expect(result.dropped > 0)
            #expect(sender.counters.sendDrops == result.dropped)
            #expect(sender.state == .open)
        }

        @Test func aSwitchThatDiesTakesTheConnectionDownOnce() throws {
            try #require(executableExists(VDESwitchProcess.executable), "vde_switch (package vde2) is required")
            let vdeSwitch = try VDESwitchProcess()
            defer { vdeSwitch.stop() }
            let connection = try VDEConnection(url: vdeSwitch.url)
            defer { connection.close() }
            pause(milliseconds: 100)
            let frame = testFrame(to: macB, from: macA, length: 100, tag: 0)
            #expect(try connection.send(frame, from: 0, count: frame.count))
            vdeSwitch.crash()
            var thrown: [VDEError] = []
            for _ in 0..<10 {
                do { try connection.send(frame, from: 0, count: frame.count) } catch { thrown.append(error) }
            }
            #expect(thrown.count == 10)
            #expect(connection.state == .down)
            let reason = try #require(connection.downReason)
            #expect(reason.code == .sendFailed)
            #expect([ECONNREFUSED, ENOTCONN, EPIPE, ECONNRESET, ENOENT].contains(reason.errno))
            #expect(connection.counters.sendErrors == 1)
            #expect(connection.counters.discardedWhileDown == 9)
        }
    }
}
