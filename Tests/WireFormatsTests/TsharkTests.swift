import Foundation
import Testing
import WireFormats

private let tsharkPath = "/usr/bin/tshark"

/// Cross-checks our checksums with Wireshark's dissectors, when tshark is installed; under `CI` tshark must be
/// installed, and the test fails when it is not.
@Suite struct TsharkTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: tsharkPath)
                    || ProcessInfo.processInfo.environment["CI"] != nil))
    func wiresharkAgreesWithOurChecksums() throws {
        try #require(FileManager.default.isExecutableFile(atPath: tsharkPath), "CI is set and tshark is not installed")
        var writer = PcapWriter()
        var generator = SeededGenerator(seed: 0x75_4A52)
        var frames = 0
        for (index, rtp) in [false, true, false, true].enumerated() {
            let template = sampleTemplate(rtp: rtp)
            for length in [0, 1, 18, 1_316] {
                let payload = randomBytes(length, using: &generator)
                var frame = renderFrame(
                    template, payload: payload, checksum: index < 2 ? .full(payloadSum: payloadSum(payload)) : .partial,
                    identification: UInt16(frames), rtpSequence: UInt16(frames), rtpTimestamp: 90_000,
                    minimumLength: 60)
                if index >= 2 {
                    let end = template.ipHeaderOffset + Int(NetworkBytes.getUInt16(frame, 16) ?? 0)
                    InternetChecksum.insertChecksum(
                        into: &frame, start: template.udpHeaderOffset, end: end,
                        checksumOffset: template.udpChecksumOffset)
                }
                writer.append(frame, timestampNanoseconds: 1_000_000_000 + Int64(frames) * 1_250_000)
                frames += 1
            }
        }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wireformats-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("frames.pcap")
        try Data(writer.bytes).write(to: file)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: tsharkPath)
        process.arguments = [
            "-r", file.path, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-T", "fields",
            "-e", "ip.checksum.status", "-e", "udp.checksum.status",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == frames)
        // Wireshark's proto_checksum_enum_e: 0 bad, 1 good, 2 unverified, 3 not present.
        for line in lines {
            #expect(line.split(separator: "\t").map(String.init) == ["1", "1"], "tshark said \(line)")
        }
    }
}
