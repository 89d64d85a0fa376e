extension Lab {
    /// Every lab, in the order `nicsim labs` lists them.
    public static let all: [Lab] = [
        copyVersusZeroCopy, smallWrites, oneWriteVersusMany, nicSegmentation, interruptModeration, interleaving,
        redirectAndReplicate, relayInTheNIC, timedTransmission, setTopBoxes, setTopBoxBuffer, vdeLinux,
    ]

    static let copyVersusZeroCopy = Lab(
        name: "copy-vs-zero-copy", group: .copy, title: "Does the CPU have to touch the payload?",
        question: "What does copying every payload byte cost the CPU, compared with letting the NIC read the application's pages?",
        scenario: "copy-vs-zero-copy.yaml",
        vary: [("server.driver.mode", ["copy", "zero-copy"])],
        observe: [], answer: "",
        numbers: [
            Number("copied", "CPU-copied bytes", variant: "copy", .host("server", .cpuCopiedBytes), 0),
            Number("copied0", "CPU-copied bytes", variant: "zero-copy", .host("server", .cpuCopiedBytes), 0),
            Number("copycycles", "cycles copying", variant: "copy", .cycles("server", category: "copy"), 0),
            Number("cpd", "cycles per datagram", variant: "copy", .host("server", .cyclesPerDatagram), 0),
            Number("cpd0", "cycles per datagram", variant: "zero-copy", .host("server", .cyclesPerDatagram), 0),
            Number("desc", "descriptors written", variant: "copy", .host("server", .descriptorsWritten), 0),
            Number("desc0", "descriptors written", variant: "zero-copy", .host("server", .descriptorsWritten), 0),
            Number("intact", "receivers intact", variant: "copy", .receiversIntact, 4),
            Number("intact0", "receivers intact", variant: "zero-copy", .receiversIntact, 4),
        ])

    static let smallWrites = Lab(
        name: "small-writes", group: .copy, title: "When does zero-copy stop paying?",
        question: "Below which write size is copying cheaper than zero-copy of memory the application never registered?",
        scenario: "small-writes.yaml",
        vary: [("writes.entries.0.size", ["2000", "64000"]), ("server.driver.mode", ["copy", "zero-copy"])],
        observe: [], answer: "",
        numbers: [
            Number("c2", "cycles", variant: "2000 copy", .host("server", .cyclesTotal), 0),
            Number("z2", "cycles", variant: "2000 zero-copy", .host("server", .cyclesTotal), 0),
            Number("c64", "cycles", variant: "64000 copy", .host("server", .cyclesTotal), 0),
            Number("z64", "cycles", variant: "64000 zero-copy", .host("server", .cyclesTotal), 0),
            Number("walks2", "page walks", variant: "2000 zero-copy", .host("server", .pageWalks), 0),
            Number("walks64", "page walks", variant: "64000 zero-copy", .host("server", .pageWalks), 0),
        ])

    static let oneWriteVersusMany = Lab(
        name: "one-write-vs-many", group: .aggregate, title: "One write or many?",
        question: "How much CPU does the same data cost when it goes to the OS one datagram per call, in batches, or in one call per write?",
        scenario: "one-write-vs-many.yaml",
        vary: [("writes.method", ["write-per-packet", "sendmmsg", "aggregate", "multi-write"])],
        observe: [], answer: "",
        numbers: [
            Number("calls1", "system calls", variant: "write-per-packet", .host("server", .syscalls), 0),
            Number("callsm", "system calls", variant: "sendmmsg", .host("server", .syscalls), 0),
            Number("callsa", "system calls", variant: "aggregate", .host("server", .syscalls), 0),
            Number("callsw", "system calls", variant: "multi-write", .host("server", .syscalls), 0),
            Number("cpd1", "cycles per datagram", variant: "write-per-packet", .host("server", .cyclesPerDatagram), 0),
            Number("cpdm", "cycles per datagram", variant: "sendmmsg", .host("server", .cyclesPerDatagram), 0),
            Number("cpda", "cycles per datagram", variant: "aggregate", .host("server", .cyclesPerDatagram), 0),
            Number("cpdw", "cycles per datagram", variant: "multi-write", .host("server", .cyclesPerDatagram), 0),
            Number("copyw", "CPU-copied bytes", variant: "multi-write", .host("server", .cpuCopiedBytes), 0),
            Number("copy1", "CPU-copied bytes", variant: "write-per-packet", .host("server", .cpuCopiedBytes), 0),
        ])

    static let nicSegmentation = Lab(
        name: "nic-segmentation", group: .segmentation, title: "Who cuts a write into datagrams?",
        question: "What does the CPU save when the NIC, not the driver, cuts large sends into datagrams?",
        scenario: "nic-segmentation.yaml",
        vary: [("server.nic.segmentation", ["driver", "nic"])],
        observe: [], answer: "",
        numbers: [
            Number("sends", "sends described", variant: "driver", .host("server", .sends), 0),
            Number("sendsn", "sends described", variant: "nic", .host("server", .sends), 0),
            Number("desc", "descriptors written", variant: "driver", .host("server", .descriptorsWritten), 0),
            Number("descn", "descriptors written", variant: "nic", .host("server", .descriptorsWritten), 0),
            Number("segs", "segments the NIC cut", variant: "nic", .host("server", .segmentsProduced), 0),
            Number("frames", "frames transmitted", variant: "nic", .host("server", .framesTransmitted), 0),
            Number("cpd", "cycles per datagram", variant: "driver", .host("server", .cyclesPerDatagram), 0),
            Number("cpdn", "cycles per datagram", variant: "nic", .host("server", .cyclesPerDatagram), 0),
        ])

    static let interruptModeration = Lab(
        name: "interrupt-moderation", group: .moderation, title: "How many interrupts does a write need?",
        question: "How many interrupts do ten 64 KiB writes raise when the driver asks after every datagram, after every write, or when the NIC holds them 50 us apart?",
        scenario: "interrupt-moderation.yaml",
        vary: [("server.driver.interrupts", ["per-packet", "per-write"]), ("server.nic.moderation.interval", ["0", "50us"])],
        observe: [], answer: "",
        numbers: [
            Number("pp", "interrupts", variant: "per-packet 0", .host("server", .interrupts), 0),
            Number("ppitr", "interrupts", variant: "per-packet 50us", .host("server", .interrupts), 0),
            Number("pw", "interrupts", variant: "per-write 0", .host("server", .interrupts), 0),
            Number("pwitr", "interrupts", variant: "per-write 50us", .host("server", .interrupts), 0),
            Number("ppcpd", "cycles per datagram", variant: "per-packet 0", .host("server", .cyclesPerDatagram), 0),
            Number("pwcpd", "cycles per datagram", variant: "per-write 0", .host("server", .cyclesPerDatagram), 0),
            Number("ppc", "mean write completion", variant: "per-packet 0", .host("server", .meanWriteCompletionPs), 0),
            Number("ppitrc", "mean write completion", variant: "per-packet 50us", .host("server", .meanWriteCompletionPs), 0),
        ])

    static let interleaving = Lab(
        name: "interleaving", group: .interleaving, title: "Does the order of one write matter to the switch?",
        question: "How much switch buffer does one write to ten receivers need when it is sent destination by destination, and when it is interleaved?",
        scenario: "interleaving.yaml",
        vary: [("server.driver.order", ["destination-major", "interleaved"]), ("network.switch.port-buffer", ["256KiB", "32KiB"])],
        observe: [], answer: "",
        numbers: [
            Number("peak", "peak switch port bytes", variant: "destination-major 256KiB", .switchPeak, 0),
            Number("peaki", "peak switch port bytes", variant: "interleaved 256KiB", .switchPeak, 0),
            Number("drops", "switch drops", variant: "destination-major 32KiB", .switchDrops, 0),
            Number("dropsi", "switch drops", variant: "interleaved 32KiB", .switchDrops, 0),
            Number("intact", "receivers intact", variant: "destination-major 32KiB", .receiversIntact, 0),
            Number("intacti", "receivers intact", variant: "interleaved 32KiB", .receiversIntact, 0),
        ])

    static let redirectAndReplicate = Lab(
        name: "redirect-and-replicate", group: .policies, title: "What does a policy do to a flow, and who pays?",
        question: "Where do a flow's datagrams go under a redirect and under a replicate policy, and what changes when the NIC applies the policy instead of the OS?",
        scenario: "redirect-and-replicate.yaml",
        vary: [("policies.0.action", ["redirect", "replicate"]), ("policies.0.placement", ["os", "nic"])],
        observe: [], answer: "",
        numbers: [
            Number("r1", "datagrams at rx1", variant: "redirect os", .receiver("rx1", .datagrams), 0),
            Number("r2", "datagrams at rx2", variant: "redirect os", .receiver("rx2", .datagrams), 0),
            Number("p1", "datagrams at rx1", variant: "replicate os", .receiver("rx1", .datagrams), 0),
            Number("p3", "datagrams at rx3", variant: "replicate os", .receiver("rx3", .datagrams), 0),
            Number("frames", "frames transmitted", variant: "replicate os", .host("server", .framesTransmitted), 0),
            Number("cyc", "cycles", variant: "replicate os", .host("server", .cyclesTotal), 0),
            Number("cycn", "cycles", variant: "replicate nic", .host("server", .cyclesTotal), 0),
            Number("copies", "remote copies", variant: "replicate os", .policy(1, .remoteCopies), 0),
        ])

    static let relayInTheNIC = Lab(
        name: "relay-in-the-nic", group: .policies, title: "Can a relay forward a stream without its CPU?",
        question: "What does a relay host's CPU spend to fan a stream out to two receivers when its OS applies the policy, and when its NIC does?",
        scenario: "relay-in-the-nic.yaml",
        vary: [("policies.0.placement", ["os", "nic"])],
        observe: [], answer: "",
        numbers: [
            Number("cyc", "relay cycles", variant: "os", .host("relay", .cyclesTotal), 0),
            Number("cycn", "relay cycles", variant: "nic", .host("relay", .cyclesTotal), 0),
            Number("rx", "frames the relay's OS received", variant: "os", .host("relay", .framesReceived), 0),
            Number("rxn", "frames the relay's OS received", variant: "nic", .host("relay", .framesReceived), 0),
            Number("hair", "hairpin frames", variant: "nic", .host("relay", .hairpinFrames), 0),
            Number("out", "relay link bytes out", variant: "os", .host("relay", .linkBytesOut), 0),
            Number("outn", "relay link bytes out", variant: "nic", .host("relay", .linkBytesOut), 0),
            Number("intact", "receivers intact", variant: "nic", .receiversIntact, 0),
        ])

    static let timedTransmission = Lab(
        name: "timed-transmission", group: .timing, title: "Can software say when each datagram leaves?",
        question: "Does stamping each datagram of an aggregate with a time spread them out on the wire, and who should hold them until then: the OS or the NIC?",
        scenario: "timed-transmission.yaml",
        vary: [("writes.timing.kind", ["immediate", "range"]), ("writes.timing.delivery", ["os-queue", "launch-time"])],
        observe: [], answer: "",
        numbers: [
            Number("spread", "rx1 first to last arrival", variant: "immediate os-queue", .receiver("rx1", .arrivalSpreadPs), 0),
            Number("spreadr", "rx1 first to last arrival", variant: "range os-queue", .receiver("rx1", .arrivalSpreadPs), 0),
            Number("spreadl", "rx1 first to last arrival", variant: "range launch-time", .receiver("rx1", .arrivalSpreadPs), 0),
            Number("db", "doorbells", variant: "range os-queue", .host("server", .doorbells), 0),
            Number("dbl", "doorbells", variant: "range launch-time", .host("server", .doorbells), 0),
            Number("timer", "timer cycles", variant: "range os-queue", .cycles("server", category: "timer"), 0),
            Number("launch", "launch-timed frames", variant: "range launch-time", .host("server", .launchTimedFrames), 0),
            Number("late", "late frames", variant: "range launch-time", .host("server", .lateFrames), 0),
        ])

    static let setTopBoxes = Lab(
        name: "set-top-boxes", group: .media, title: "Burst or paced: what do set-top boxes see?",
        question: "How much jitter (MDI delay factor) do set-top boxes see when each 40 ms of two streams goes out in one write, and when every datagram leaves at its due time?",
        scenario: "set-top-boxes.yaml",
        vary: [("streams.method", ["multi-write", "aggregate"]), ("streams.delivery", ["launch-time", "os-queue"])],
        observe: [], answer: "",
        numbers: [
            Number("df", "largest MDI delay factor", variant: "multi-write launch-time", .setTopBoxes(.maxDelayFactorPs), 0),
            Number("dfl", "largest MDI delay factor", variant: "aggregate launch-time", .setTopBoxes(.maxDelayFactorPs), 0),
            Number("dfo", "largest MDI delay factor", variant: "aggregate os-queue", .setTopBoxes(.maxDelayFactorPs), 0),
            Number("peak", "peak switch port bytes", variant: "multi-write launch-time", .switchPeak, 0),
            Number("peakl", "peak switch port bytes", variant: "aggregate launch-time", .switchPeak, 0),
            Number("irq", "interrupts", variant: "aggregate launch-time", .host("server", .interrupts), 0),
            Number("irqo", "interrupts", variant: "aggregate os-queue", .host("server", .interrupts), 0),
            Number("under", "underflows", variant: "multi-write launch-time", .setTopBoxes(.underflows), 0),
        ])

    static let setTopBoxBuffer = Lab(
        name: "set-top-box-buffer", group: .media, title: "A small switch buffer and bursty video",
        question: "What happens to set-top boxes behind switch ports with only 4 KiB of buffer when the server sends 50 ms bursts, and when it paces?",
        scenario: "set-top-box-buffer.yaml",
        vary: [("streams.method", ["multi-write", "aggregate"])],
        observe: [], answer: "",
        numbers: [
            Number("drops", "switch drops", variant: "multi-write", .switchDrops, 0),
            Number("dropsp", "switch drops", variant: "aggregate", .switchDrops, 0),
            Number("cc", "continuity errors", variant: "multi-write", .setTopBoxes(.continuityErrors), 0),
            Number("under", "underflows", variant: "multi-write", .setTopBoxes(.underflows), 0),
            Number("underp", "underflows", variant: "aggregate", .setTopBoxes(.underflows), 0),
        ])

    static let vdeLinux = Lab(
        name: "vde-linux", group: .realNetwork, title: "Does a real Linux stack accept the emulated NIC's frames?",
        question: "Do the emulated server's datagrams reach a real Linux UDP socket byte for byte, and does the emulated host answer Linux's ping?",
        kind: .realLinux, scenario: "vde-linux.yaml", vary: [],
        observe: [], answer: "",
        numbers: [
            Number("segs", "datagrams the driver built", variant: "", .segments(to: "linux"), 14),
            Number("ld", "datagrams Linux received", variant: "", .linux(.datagrams), 14),
            Number("lb", "bytes Linux received", variant: "", .linux(.bytes), 20_000),
            Number("li", "Linux got the application's bytes (1 = yes)", variant: "", .linux(.intact), 1),
            Number("ping", "ping replies Linux got", variant: "", .linux(.pingReplies), 3),
            Number("arp", "ARP requests the server sent", variant: "", .host("server", .arpRequestsSent), 1, .atLeast),
            Number("replies", "ARP and echo replies the server sent", variant: "", .host("server", .repliesSent), 3, .atLeast),
            Number("over", "frames over 1,518 bytes", variant: "", .vde(.oversizeFlagged), 0),
        ])
}
