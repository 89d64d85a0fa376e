import HostMemory
import HostOS
import MediaStreams
import ScenarioFormat
import SimCore

/// The applications a world runs: the write calls' buffers on the server, and one media application per server
/// that plays streams.
extension WorldBuilder {
    /// The application's buffers on the server: one per write entry, filled with seeded bytes (stream
    /// `app.data.ENTRY`) and registered with the driver when the scenario asks (B5/B6).
    func buffers(of process: Process, on server: EmulatedHost) throws(WorldError)
        -> (addresses: [VirtualAddress], contents: [[UInt8]])
    {
        var addresses: [VirtualAddress] = []
        var contents: [[UInt8]] = []
        for (i, entry) in spec.writes.entries.enumerated() {
            var random = simulator.randomStream(named: "app.data.\(i)")
            var data = [UInt8](repeating: 0, count: entry.bytes)
            var k = 0
            while k < data.count {
                var word = random.next()
                for _ in 0..<8 where k < data.count {
                    data[k] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    k += 1
                }
            }
            let address: VirtualAddress
            do throws(MemoryFault) {
                address = try process.addressSpace.allocate(bytes: max(entry.bytes, 1), startOffset: entry.pageOffset)
                try process.addressSpace.write(address, from: data, at: 0, count: data.count)
            } catch {
                throw WorldError(spec, "server.memory", "writes.entries", "writes",
                                 message: "server memory (\(spec.server.memoryBytes) bytes) cannot hold "
                                     + "the application's buffers: \(error)")
            }
            if spec.server.registerBuffers && spec.server.driverMode == .zeroCopy && entry.bytes > 0
                && spec.writes.method == .multiWrite {
                do throws(HostError) {
                    try server.host.registerBuffer(process: process, address: address, length: entry.bytes)
                } catch {
                    throw WorldError(spec, "writes.entries", "writes", message: "registering buffer \(i): \(error)")
                }
            }
            addresses.append(address)
            contents.append(data)
        }
        return (addresses, contents)
    }

    /// One media application per server that plays streams, started at time zero: the scenario's own server
    /// first, then `host` receivers in order.
    func streamApplications(server: EmulatedHost, nodes: [World.ReceiverNode]) throws(WorldError)
        -> [StreamApplication]
    {
        guard let streams = spec.streams else { return [] }
        var applications: [StreamApplication] = []
        let sources = [nil] + spec.receivers.indices.map { Optional($0) }
        var fileBudget = spec.limits.streamBytes - min(spec.generatedStreamBytes, spec.limits.streamBytes)
        for source in sources {
            var subset = streams
            subset.list = streams.list.filter { $0.from == source }
            guard !subset.list.isEmpty else { continue }
            let machine: Host
            if let i = source, case .host(let m) = nodes[i] { machine = m.host } else { machine = server.host }
            let app = try streamApplication(subset, host: machine, fileBudget: &fileBudget)
            do throws(WorldError) {
                try app.start(at: .zero)
            } catch {
                throw error.located(spec, "streams")
            }
            applications.append(app)
        }
        return applications
    }

    /// The media application that plays `s` (one server's part of the `streams` section) on `host`.
    func streamApplication(_ s: StreamsSpec, host: Host, fileBudget: inout Int64) throws(WorldError)
        -> StreamApplication
    {
        let playFor = SimDuration(rawValue: s.duration ?? spec.duration ?? ScenarioParser.defaultStreamPlayTime)
        var streams: [StreamApplication.Stream] = []
        for stream in s.list {
            let size: DatagramSize = stream.datagramBytes.map { .bytes($0) } ?? .standard
            // The stream's place in the file's list (streams are grouped by server here).
            let key = "streams.list[\(spec.streams?.list.firstIndex { $0.name == stream.name } ?? 0)]"
            var fileBytes: [UInt8] = []
            if case .file(let path, _) = stream.source {
                do throws(WorldError) {
                    fileBytes = try World.readStreamFile(path, stream: stream.name, budget: &fileBudget,
                                                         limit: spec.limits.streamBytes)
                } catch {
                    throw error.located(spec, key + ".file", key)
                }
            }
            let source: StreamSource
            do throws(MediaError) {
                switch stream.source {
                case .generate(let rate, let seed):
                    source = try StreamSource(generating: TSGenerator.Configuration(bitsPerSecond: rate, seed: seed),
                                              duration: playFor, datagramSize: size)
                case .file(_, let ts):
                    if ts {
                        source = try StreamSource(transportStream: fileBytes, datagramSize: size,
                                                  declaredBitsPerSecond: stream.rate)
                    } else {
                        source = try StreamSource(opaque: fileBytes, bitsPerSecond: stream.rate ?? 1_000_000,
                                                  datagramSize: stream.datagramBytes.map { .bytes($0) }
                                                      ?? .mtu(spec.server.mtu, rtp: stream.rtp))
                    }
                }
            } catch {
                throw WorldError(spec, key + ".file", key, message: "stream \(stream.name): \(error)")
            }
            let destinations = stream.destinations.map {
                SocketAddress(ip: spec.receivers[$0].ip, port: spec.receivers[$0].port)
            }
            streams.append(StreamApplication.Stream(name: stream.name, source: source, destinations: destinations,
                                                    rtp: stream.rtp))
        }
        var configuration = StreamApplication.Configuration()
        if let interval = s.interval { configuration.rule = .fixed(SimDuration(rawValue: interval)) }
        configuration.order = s.streamMajor ? .streamMajor : .dueTime
        if s.aggregate { configuration.method = .aggregate(s.launchTime ? .launchTime : .osQueue) }
        configuration.duration = s.duration.map { SimDuration(rawValue: $0) }
        configuration.sourcePort = spec.server.sourcePort &+ 1
        do throws(WorldError) {
            return try StreamApplication(simulator: simulator, host: host, name: "media", streams: streams,
                                         configuration: configuration)
        } catch {
            throw error.located(spec, "streams")
        }
    }
}
