extension Lab {
    /// Every lab, in the order `nicsim labs` lists them.
    public static let all: [Lab] = [
        copyVersusZeroCopy, smallWrites, zeroCopyBehindAnIOMMU, oneWriteVersusMany, nicSegmentation, interruptModeration, napiVersusPerWrite,
        interleaving,
        redirectAndReplicate, relayInTheNIC, policyToTheRouter, timedTransmission, setTopBoxes, setTopBoxBuffer, vdeLinux,
    ]

    static let copyVersusZeroCopy = Lab(
        name: "copy-vs-zero-copy", group: .copy, title: "Does the CPU have to touch the payload?",
        question: "What does copying every payload byte cost the CPU, compared with letting the NIC read the application's pages?",
        scenario: "copy-vs-zero-copy.yaml",
        vary: [("server.driver.mode", ["copy", "zero-copy"])],
        observe: [
            "`CPU-copied bytes`: {copied} with copy — ten writes of 64 KiB to four receivers, every byte — and {copied0} with zero-copy.",
            "`cycles: copy`: {copycycles} cycles, half a cycle per byte (the cost model's copy rate) — more than the whole difference between the columns: zero-copy pays part of it back in `descriptors`, `pinning` and `translation`.",
            "`descriptors written`: zero-copy writes more, {desc0} against {desc}: a header descriptor built from the destination's template, then payload descriptors that follow the application's pages, where copy describes one contiguous driver buffer per datagram.",
            "`cycles per datagram`: {cpd} with copy, {cpd0} with zero-copy.",
            "`receivers intact`: 4/4 in both columns: the receivers digest every byte, and they get the same bytes either way.",
        ],
        answer: "Copying costs the CPU about half a cycle per payload byte — here {copycycles} cycles for {copied} bytes. Zero-copy removes that whole category and pays a little more in descriptors and address translation instead, so a datagram costs {cpd0} cycles rather than {cpd}. The wire carries the same bytes either way.",
        numbers: [
            Number("copied", "CPU-copied bytes", variant: "copy", .host("server", .cpuCopiedBytes), 2_621_440),
            Number("copied0", "CPU-copied bytes", variant: "zero-copy", .host("server", .cpuCopiedBytes), 0),
            Number("copycycles", "cycles copying", variant: "copy", .cycles("server", category: "copy"), 1_310_720),
            Number("cpd", "cycles per datagram", variant: "copy", .host("server", .cyclesPerDatagram), 1_957),
            Number("cpd0", "cycles per datagram", variant: "zero-copy", .host("server", .cyclesPerDatagram), 1_379),
            Number("desc", "descriptors written", variant: "copy", .host("server", .descriptorsWritten), 1_800),
            Number("desc0", "descriptors written", variant: "zero-copy", .host("server", .descriptorsWritten), 4_200),
            Number("intact", "receivers intact", variant: "copy", .receiversIntact, 4),
            Number("intact0", "receivers intact", variant: "zero-copy", .receiversIntact, 4),
        ])

    static let smallWrites = Lab(
        name: "small-writes", group: .copy, title: "When does zero-copy stop paying?",
        question: "Below which write size is copying cheaper than zero-copy of memory the application never registered?",
        scenario: "small-writes.yaml",
        vary: [("writes.entries.0.size", ["2000", "64000"]), ("server.driver.mode", ["copy", "zero-copy"])],
        observe: [
            "`cycles` with 2,000-byte writes: copy {c2}, zero-copy {z2}: zero-copy is dearer.",
            "`cycles` with 64,000-byte writes: copy {c64}, zero-copy {z64}: zero-copy is cheaper.",
            "`cycles: pinning` and `cycles: translation`: what zero-copy of unregistered memory pays on every call. The full report (`nicsim run`) counts `page walks`: {walks2} for ten 2,000-byte writes (one page each), {walks64} for ten 64,000-byte writes (16 pages each).",
            "`cycles: copy` grows with the bytes; the zero-copy costs grow with the pages.",
        ],
        answer: "Zero-copy of memory the application never registered has a cost per call and per page (walk, pin, unpin) and saves a cost per byte (the copy), so there is a crossover: below it, copying wins. In this model it lies between 8 and 12 KB per write, depending on how many pages the buffer spans (try `--set writes.entries.0.size=8000,10000,12000`), near the ≈10 KB above which Linux's MSG_ZEROCOPY pays off (the cost model's pinning cost is calibrated to that figure). Registering the buffer once (`register-buffers: true`, as copy-vs-zero-copy does) removes the per-call cost. There is no IOMMU here; behind one, every page of every send is also mapped and unmapped, and copying wins at 64,000 bytes too (lab zero-copy-behind-an-iommu).",
        numbers: [
            Number("c2", "cycles", variant: "2000 copy", .host("server", .cyclesTotal), 157_500),
            Number("z2", "cycles", variant: "2000 zero-copy", .host("server", .cyclesTotal), 170_540),
            Number("c64", "cycles", variant: "64000 copy", .host("server", .cyclesTotal), 940_000),
            Number("z64", "cycles", variant: "64000 zero-copy", .host("server", .cyclesTotal), 884_840),
            Number("walks2", "page walks", variant: "2000 zero-copy", .host("server", .pageWalks), 10),
            Number("walks64", "page walks", variant: "64000 zero-copy", .host("server", .pageWalks), 160),
        ])

    static let zeroCopyBehindAnIOMMU = Lab(
        name: "zero-copy-behind-an-iommu", group: .copy, title: "What does an IOMMU add to zero-copy?",
        question: "With an IOMMU, every buffer a send hands the NIC is mapped and unmapped: does zero-copy of unregistered memory still pay for 64,000-byte writes, in Linux's strict and deferred modes?",
        scenario: "small-writes.yaml",
        vary: [("server.nic.iommu.invalidation", ["strict", "deferred"]), ("server.driver.mode", ["copy", "zero-copy"])],
        settings: ["writes.entries.0.size=64000"],
        observe: [
            "`cycles: translation`: {tsc} with copy and {tsz} with zero-copy in strict mode, where each of the 440 sends maps and unmaps its bounce buffer (copy) or its header and every payload page (zero-copy: {descz} descriptors, each its own mapping) and every unmap waits for an IOTLB invalidation; {tdc} and {tdz} in deferred mode, where the invalidations are batched into one flush per 256 unmaps.",
            "`cycles`: strict copy {csc}, zero-copy {csz}; deferred copy {cdc}, zero-copy {cdz}. Without an IOMMU (the small-writes lab) zero-copy was the cheaper one at this size.",
            "The mappings are made per page, so zero-copy pays per page what copy pays per datagram.",
        ],
        answer: "Behind an IOMMU, zero-copy of memory the application never registered pays a mapping, an unmapping and (strict) an invalidation for every page of every send, on top of the walk and the pin: at 64,000-byte writes copying into buffers that are mapped once per send is cheaper in both modes, which is the finding of Markuze et al. (ASPLOS 2016) that copying into permanently mapped buffers beats zero-copy with strict IOMMU protection. The deferred mode's batching cuts the cost, at the price of a window in which the NIC can still reach unmapped pages. Registering the buffer (`--set server.driver.register-buffers=true`) maps it once: then only the header is mapped per send.",
        numbers: [
            Number("csc", "cycles", variant: "strict copy", .host("server", .cyclesTotal), 2_150_000),
            Number("csz", "cycles", variant: "strict zero-copy", .host("server", .cyclesTotal), 3_562_840),
            Number("cdc", "cycles", variant: "deferred copy", .host("server", .cyclesTotal), 1_272_000),
            Number("cdz", "cycles", variant: "deferred zero-copy", .host("server", .cyclesTotal), 1_510_840),
            Number("tsc", "cycles: translation", variant: "strict copy", .cycles("server", category: "translation"), 1_210_000),
            Number("tsz", "cycles: translation", variant: "strict zero-copy", .cycles("server", category: "translation"), 2_739_440),
            Number("tdc", "cycles: translation", variant: "deferred copy", .cycles("server", category: "translation"), 332_000),
            Number("tdz", "cycles: translation", variant: "deferred zero-copy", .cycles("server", category: "translation"), 687_440),
            Number("descz", "descriptors written", variant: "strict zero-copy", .host("server", .descriptorsWritten), 1_030),
        ])

    static let oneWriteVersusMany = Lab(
        name: "one-write-vs-many", group: .aggregate, title: "One write or many?",
        question: "How much CPU does the same data cost when it goes to the OS one datagram per call, in batches, or in one call per write?",
        scenario: "one-write-vs-many.yaml",
        vary: [("writes.method", ["write-per-packet", "sendmmsg", "aggregate", "multi-write"])],
        observe: [
            "`system calls`: {calls1} with one sendto per datagram; {callsm} with sendmmsg (one call per write: 52 datagrams fit one batch of 64); {callsa} with one aggregate per write; {callsw} with the multi-destination write (20 writes plus 4 calls that register the buffers once).",
            "`cycles: syscall` and `cycles: doorbell`: what batching saves — one entry into the kernel and one doorbell per call instead of per datagram.",
            "`cycles: stack`: sendmmsg and aggregate still take every datagram through the UDP/IP stack; the multi-destination write builds each datagram's headers from a per-destination template.",
            "`CPU-copied bytes`: {copy1} for the three ways that copy, {copyw} for the zero-copy write.",
            "`cycles per datagram`: {cpd1}, {cpdm}, {cpda}, {cpdw}; `streams per core` turns that into how many such streams one core serves.",
        ],
        answer: "Batching the system calls alone (sendmmsg, or one aggregate) saves about a fifth — {cpd1} → {cpdm} cycles per datagram, the shape of the +20 % the Linux sendmmsg commit measured. The large saving comes from not copying and not running the stack per datagram: one zero-copy multi-destination write per interval costs {cpdw} cycles per datagram.",
        numbers: [
            Number("calls1", "system calls", variant: "write-per-packet", .host("server", .syscalls), 1_040),
            Number("callsm", "system calls", variant: "sendmmsg", .host("server", .syscalls), 20),
            Number("callsa", "system calls", variant: "aggregate", .host("server", .syscalls), 20),
            Number("callsw", "system calls", variant: "multi-write", .host("server", .syscalls), 24),
            Number("cpd1", "cycles per datagram", variant: "write-per-packet", .host("server", .cyclesPerDatagram), 4_915),
            Number("cpdm", "cycles per datagram", variant: "sendmmsg", .host("server", .cyclesPerDatagram), 4_003),
            Number("cpda", "cycles per datagram", variant: "aggregate", .host("server", .cyclesPerDatagram), 4_003),
            Number("cpdw", "cycles per datagram", variant: "multi-write", .host("server", .cyclesPerDatagram), 1_612),
            Number("copyw", "CPU-copied bytes", variant: "multi-write", .host("server", .cpuCopiedBytes), 0),
            Number("copy1", "CPU-copied bytes", variant: "write-per-packet", .host("server", .cpuCopiedBytes), 1_504_000),
        ])

    static let nicSegmentation = Lab(
        name: "nic-segmentation", group: .segmentation, title: "Who cuts a write into datagrams?",
        question: "What does the CPU save when the NIC, not the driver, cuts large sends into datagrams?",
        scenario: "nic-segmentation.yaml",
        vary: [("server.nic.segmentation", ["driver", "nic"])],
        observe: [
            "`sends described`: the driver describes {sends} datagrams itself, or hands the NIC {sendsn} large sends (one per destination per write: 20 × 4).",
            "`descriptors written`: {desc} against {descn}: per large send one context descriptor, one header and the payload's pages.",
            "`frames transmitted`: {frames} either way — the full report (`nicsim run … --set server.nic.segmentation=nic`) shows the NIC cut {segs} segments: the wire sees the same datagrams.",
            "`cycles: driver` is where the work went; `cycles per datagram`: {cpd} with driver segmentation, {cpdn} with NIC segmentation.",
        ],
        answer: "With segmentation offload the per-datagram work — a header, a checksum, descriptors — moves from the driver to the NIC (datasheet §7.2). The CPU's cost per datagram falls to about a third, {cpd} → {cpdn} cycles, and the NIC still puts every datagram on the wire complete, with its own IPv4 identification and checksums.",
        numbers: [
            Number("sends", "sends described", variant: "driver", .host("server", .sends), 1_040),
            Number("sendsn", "sends described", variant: "nic", .host("server", .sends), 80),
            Number("desc", "descriptors written", variant: "driver", .host("server", .descriptorsWritten), 2_400),
            Number("descn", "descriptors written", variant: "nic", .host("server", .descriptorsWritten), 560),
            Number("segs", "segments the NIC cut", variant: "nic", .host("server", .segmentsProduced), 1_040),
            Number("frames", "frames transmitted", variant: "nic", .host("server", .framesTransmitted), 1_040),
            Number("cpd", "cycles per datagram", variant: "driver", .host("server", .cyclesPerDatagram), 1_612),
            Number("cpdn", "cycles per datagram", variant: "nic", .host("server", .cyclesPerDatagram), 504),
        ])

    static let interruptModeration = Lab(
        name: "interrupt-moderation", group: .moderation, title: "How many interrupts does a write need?",
        question: "How many interrupts do ten 64 KiB writes raise when the driver asks after every datagram, after every write, or when the NIC holds them 50 us apart?",
        scenario: "interrupt-moderation.yaml",
        vary: [("server.driver.interrupts", ["per-packet", "per-write"]), ("server.nic.moderation.interval", ["0", "50us"])],
        observe: [
            "`interrupts`: {pp} per-packet (one per datagram: 10 writes × 45 datagrams); {ppitr} when the NIC's ITR keeps interrupts 50 us apart (two per write: a datagram is done when the NIC has it in its packet buffer, datasheet §4.5, so a write's 45 completions span about 44 us, not its 55 us on the wire); {pw} per-write; still {pwitr} per-write with ITR, since the writes are 1 ms apart.",
            "`cycles: interrupt` and `cycles per datagram`: {ppcpd} per-packet against {pwcpd} per-write.",
            "`mean write completion`: ITR delays the interrupt that completes a write, {ppc} without it and {ppitrc} with it (per-packet).",
        ],
        answer: "Asking for an interrupt only after the last datagram of a write (B7) removes almost all of them and delays nothing. Moderation in the NIC (ITR, TIDV/TADV and a frame threshold, datasheet §6) caps the rate whatever the driver asks, at the price of later completions.",
        numbers: [
            Number("pp", "interrupts", variant: "per-packet 0", .host("server", .interrupts), 450),
            Number("ppitr", "interrupts", variant: "per-packet 50us", .host("server", .interrupts), 20),
            Number("pw", "interrupts", variant: "per-write 0", .host("server", .interrupts), 10),
            Number("pwitr", "interrupts", variant: "per-write 50us", .host("server", .interrupts), 10),
            Number("ppcpd", "cycles per datagram", variant: "per-packet 0", .host("server", .cyclesPerDatagram), 4_353),
            Number("pwcpd", "cycles per datagram", variant: "per-write 0", .host("server", .cyclesPerDatagram), 1_553),
            Number("ppc", "mean write completion", variant: "per-packet 0", .host("server", .meanWriteCompletionPs), 67_058_501),
            Number("ppitrc", "mean write completion", variant: "per-packet 50us", .host("server", .meanWriteCompletionPs), 73_054_490),
        ])

    static let napiVersusPerWrite = Lab(
        name: "napi-vs-per-write", group: .moderation, title: "Interrupt per write, or NAPI polls?",
        question: "How many interrupts, polls and cycles does the reference driver (all work in the interrupt handler) spend against a NAPI-style driver (mask, poll within a budget, unmask), under light and heavy load?",
        scenario: "napi-vs-per-write.yaml",
        vary: [("server.driver.kind", ["reference", "napi"]), ("server.driver.interrupts", ["per-packet", "per-write"]),
               ("writes.interval", ["1ms", "20us"])],
        observe: [
            "`interrupts` (messages the NIC sent): with a status report after every datagram the reference driver's NIC sends {rpp} for 480 datagrams whatever the load; the NAPI driver's {npp} under light load and {npph} under heavy load. Its handler masks the device (IMC) and its poll cleans every completion that arrives meanwhile; the NIC asserts no interrupt while masked (datasheet §6.1), so those completions raise none.",
            "Polls (`--format json`: `hosts[0].driver.polls`): {polls} for the NAPI driver under heavy load, per-packet: one per handler run (messages that arrive while a handler waits for the core are merged into it, as Linux's edge-interrupt flow does), each finishing under its budget of 64 (transmit cleaning does not count against it) and unmasking (IMS).",
            "`cycles: interrupt`: {rppc} against {nppc} under heavy load: entry and cause-register read per handler run, plus the NAPI driver's mask and unmask writes.",
            "Per write (B7): the reference driver takes {rpw} interrupts, one per write; the NAPI driver {npw} under light load and {npwh} under heavy load: its byte queue limit starts at 0 and holds packets back, and every write that waits for room becomes a report point of its own.",
            "`mean write completion`: {rc} for the reference driver, {nc} for the NAPI driver (per-packet, light load): the poll reclaims a write's last descriptor without waiting for a handler per datagram.",
        ],
        answer: "Masking during a poll removes the interrupts of completions that arrive while the driver is already working (58 % of them here under light load, 45 % under heavy load), and the poll completes writes sooner. It does not beat asking for fewer interrupts in the first place (report status once per write, B7), which a transmit-only host can do; NAPI's byte queue limit even adds report points while it learns the ring's size. NAPI's budget matters most for receive work under load, where it keeps the CPU in polls.",
        numbers: [
            Number("rpp", "interrupts", variant: "reference per-packet 20us", .host("server", .interrupts), 480),
            Number("npp", "interrupts", variant: "napi per-packet 1ms", .host("server", .interrupts), 203),
            Number("npph", "interrupts", variant: "napi per-packet 20us", .host("server", .interrupts), 261),
            Number("polls", "polls", variant: "napi per-packet 20us", .host("server", .polls), 193),
            Number("rppc", "interrupt cycles", variant: "reference per-packet 20us", .cycles("server", category: "interrupt"), 843_500),
            Number("nppc", "interrupt cycles", variant: "napi per-packet 20us", .cycles("server", category: "interrupt"), 791_300),
            Number("rpw", "interrupts", variant: "reference per-write 1ms", .host("server", .interrupts), 20),
            Number("npw", "interrupts", variant: "napi per-write 1ms", .host("server", .interrupts), 46),
            Number("npwh", "interrupts", variant: "napi per-write 20us", .host("server", .interrupts), 171),
            Number("rc", "mean write completion", variant: "reference per-packet 1ms", .host("server", .meanWriteCompletionPs), 32_016_871),
            Number("nc", "mean write completion", variant: "napi per-packet 1ms", .host("server", .meanWriteCompletionPs), 27_836_671),
        ])

    static let interleaving = Lab(
        name: "interleaving", group: .interleaving, title: "Does the order of one write matter to the switch?",
        question: "How much switch buffer does one write to ten receivers need when it is sent destination by destination, and when it is interleaved?",
        scenario: "interleaving.yaml",
        vary: [("server.driver.order", ["destination-major", "interleaved"]), ("network.switch.port-buffer", ["256KiB", "32KiB"])],
        observe: [
            "`peak switch port bytes` with 256 KiB per port: {peak} destination-major, {peaki} (one frame) interleaved.",
            "The fluid model predicts the first: each receiver's 40 frames of 1,514 bytes arrive at 10 Gb/s and leave at 1 Gb/s, so k·S·(1 − r/C) = 40 × 1,514 × 0.9 ≈ 54.5 KB queue up at its port.",
            "`switch drops` with 32 KiB per port: {drops} destination-major (16 frames per receiver), {dropsi} interleaved; `receivers intact`: {intact} of 10 against {intacti}.",
            "Everything above the switch is the same in all four columns: the order costs the server nothing.",
        ],
        answer: "The same bytes in a different order need a different switch. A destination-major write bursts each receiver's data into its port at the server's rate, and the port must buffer the burst's excess; interleaved, each port drains a frame before the next arrives, so one frame of buffer is enough. With a small buffer the bursts are dropped at the tail and every receiver loses data (B35–B43).",
        numbers: [
            Number("peak", "peak switch port bytes", variant: "destination-major 256KiB", .switchPeak, 56_018),
            Number("peaki", "peak switch port bytes", variant: "interleaved 256KiB", .switchPeak, 1_514),
            Number("drops", "switch drops", variant: "destination-major 32KiB", .switchDrops, 160),
            Number("dropsi", "switch drops", variant: "interleaved 32KiB", .switchDrops, 0),
            Number("intact", "receivers intact", variant: "destination-major 32KiB", .receiversIntact, 0),
            Number("intacti", "receivers intact", variant: "interleaved 32KiB", .receiversIntact, 10),
        ])

    static let redirectAndReplicate = Lab(
        name: "redirect-and-replicate", group: .policies, title: "What does a policy do to a flow, and who pays?",
        question: "Where do a flow's datagrams go under a redirect and under a replicate policy, and what changes when the NIC applies the policy instead of the OS?",
        scenario: "redirect-and-replicate.yaml",
        vary: [("policies.0.action", ["redirect", "replicate"]), ("policies.0.placement", ["os", "nic"])],
        observe: [
            "`receivers intact`: 3/3 in every column. Redirect moves rx1's stream to rx2 and rx3 ({r1} datagrams at rx1, {r2} at rx2); replicate gives it to all three ({p1} at rx1, {p3} at rx3). The Receivers table of `nicsim run` shows each.",
            "`sends described`: in the OS the policy adds its targets to the write, so the driver describes every copy ({sends} datagrams for replicate); in the NIC the driver describes each datagram once ({sendsn}) and the match-action table sends the copies from the same descriptors.",
            "`frames transmitted`: {frames} for replicate wherever the policy sits ({framesn} in the NIC); `cycles`: {cyc} with the policy in the OS, {cycn} in the NIC — what sending the flow once costs.",
            "`CPU-copied bytes` stays 0: replication is zero-copy. The policy counters (`--format json`, `policies`) count {copies} remote copies: two writes, two targets.",
        ],
        answer: "A policy below the IP layer changes where a flow goes without the application knowing (A1–A4). In the OS every copy costs driver work per datagram; in the NIC's match-action table (A5) the copies cost the CPU nothing, so replicating costs what sending once does.",
        numbers: [
            Number("r1", "datagrams at rx1", variant: "redirect os", .receiver("rx1", .datagrams), 0),
            Number("r2", "datagrams at rx2", variant: "redirect os", .receiver("rx2", .datagrams), 42),
            Number("p1", "datagrams at rx1", variant: "replicate os", .receiver("rx1", .datagrams), 42),
            Number("p3", "datagrams at rx3", variant: "replicate os", .receiver("rx3", .datagrams), 42),
            Number("sends", "sends described", variant: "replicate os", .host("server", .sends), 126),
            Number("sendsn", "sends described", variant: "replicate nic", .host("server", .sends), 42),
            Number("frames", "frames transmitted", variant: "replicate os", .host("server", .framesTransmitted), 126),
            Number("framesn", "frames transmitted", variant: "replicate nic", .host("server", .framesTransmitted), 126),
            Number("cyc", "cycles", variant: "replicate os", .host("server", .cyclesTotal), 191_782),
            Number("cycn", "cycles", variant: "replicate nic", .host("server", .cyclesTotal), 88_782),
            Number("copies", "remote copies", variant: "replicate os", .policy(1, .remoteCopies), 4),
        ])

    static let policyToTheRouter = Lab(
        name: "policy-to-the-router", group: .policies, title: "Can the OS hand its policy to a router over the wire?",
        question: "What changes when the server's OS sends its policy to a router as a message on the network, instead of the policy being written into the router's table?",
        scenario: "policy-to-the-router.yaml",
        vary: [("policies.0.via", ["direct", "network"])],
        observe: [
            "The receivers: {r1} datagrams at rx1 with the policy written into the router ({r1n} when it travelled over the network, {r3n} at rx3): the router fans out the same stream either way, and the policy counters show {copies} remote copies.",
            "`system calls`: {calls} against {callsn}: the OS's two NPCP calls, one to set the policy and one to remove it.",
            "`frames transmitted`: {frames} against {framesn}: the two NPCP messages (set, 84 bytes; remove, 60) leave the server's NIC like any frame; the router answers each with an acknowledgement. Open the pcap of `nicsim run` with `tshark -X lua_script:Fixtures/wireshark/npcp.lua -Y npcp` to read them.",
            "`interrupts` grow too: the messages' completions and the acknowledgements the server receives.",
        ],
        answer: "The policy an application gives its OS can be communicated to the hardware that applies it (A5, A6): here the OS sends it to a router in an acknowledged, retried UDP message (NPCP), the router installs it, and a removal travels the same way. The flow is treated exactly as when the policy is written into the router directly; the cost is two system calls and two small frames.",
        numbers: [
            Number("r1", "datagrams at rx1", variant: "direct", .receiver("rx1", .datagrams), 27),
            Number("r1n", "datagrams at rx1", variant: "network", .receiver("rx1", .datagrams), 27),
            Number("r3n", "datagrams at rx3", variant: "network", .receiver("rx3", .datagrams), 27),
            Number("copies", "remote copies", variant: "network", .policy(1, .remoteCopies), 81),
            Number("calls", "system calls", variant: "direct", .host("server", .syscalls), 11),
            Number("callsn", "system calls", variant: "network", .host("server", .syscalls), 13),
            Number("frames", "frames transmitted", variant: "direct", .host("server", .framesTransmitted), 30),
            Number("framesn", "frames transmitted", variant: "network", .host("server", .framesTransmitted), 32),
        ])

    static let relayInTheNIC = Lab(
        name: "relay-in-the-nic", group: .policies, title: "Can a relay forward a stream without its CPU?",
        question: "What does a relay host's CPU spend to fan a stream out to two receivers when its OS applies the policy, and when its NIC does?",
        scenario: "relay-in-the-nic.yaml",
        vary: [("policies.0.placement", ["os", "nic"])],
        observe: [
            "The compare table shows the server, which does the same in both columns. The relay is the second host of the full report: `nicsim run Fixtures/labs/relay-in-the-nic.yaml --set policies.0.placement=nic` (Host relay).",
            "Relay `NIC frames received`: {rx} when the policy is in the OS — every datagram goes up to the relay's OS — and {rxn} when it is in the NIC.",
            "Relay `cycles`: {cyc} against {cycn}. In the NIC the {hair} copies (28 datagrams × 2 targets) leave as hairpin frames (`--format json`: `hosts[1].nic.hairpinFrames`) without touching the relay's memory.",
            "The relay's link carries the same bytes out either way, {out} and {outn}, and rx1 and rx2 are intact ({intact} receivers intact).",
        ],
        answer: "A relay that only forwards pays its CPU for every datagram it receives and sends again. Put into its NIC's match-action table (A5), the fan-out costs the relay's CPU nothing beyond installing the policy, and the receivers get the same bytes.",
        numbers: [
            Number("cyc", "relay cycles", variant: "os", .host("relay", .cyclesTotal), 278_966),
            Number("cycn", "relay cycles", variant: "nic", .host("relay", .cyclesTotal), 630),
            Number("rx", "frames the relay's OS received", variant: "os", .host("relay", .framesReceived), 28),
            Number("rxn", "frames the relay's OS received", variant: "nic", .host("relay", .framesReceived), 0),
            Number("hair", "hairpin frames", variant: "nic", .host("relay", .hairpinFrames), 56),
            Number("out", "relay link bytes out", variant: "os", .host("relay", .linkBytesOut), 82_352),
            Number("outn", "relay link bytes out", variant: "nic", .host("relay", .linkBytesOut), 82_352),
            Number("intact", "receivers intact", variant: "nic", .receiversIntact, 2),
        ])

    static let timedTransmission = Lab(
        name: "timed-transmission", group: .timing, title: "Can software say when each datagram leaves?",
        question: "Does stamping each datagram of an aggregate with a time spread them out on the wire, and who should hold them until then: the OS or the NIC?",
        scenario: "timed-transmission.yaml",
        vary: [("writes.timing.kind", ["immediate", "range"]), ("writes.timing.delivery", ["os-queue", "launch-time"])],
        observe: [
            "rx1's first-to-last arrival (`--format json`: `receivers[0].lastArrivalPs − firstArrivalPs`): {spread} when `immediate` — ten frames back to back on rx1's 1 Gb/s link; {spreadr} over the 1 ms range through the OS's queue; {spreadl} by launch time.",
            "`peak switch port bytes`: {peak} immediate (all ten frames queue), {peakr} spread over the range (one frame).",
            "`doorbells` and `interrupts`: the OS's timed queue posts each datagram when due — {db} doorbells, and a timer per datagram (`cycles: timer` {timer}); launch time posts all ten at once ({dbl} doorbell) and the NIC waits.",
            "`NIC late frames` in the full report: {late} of the {launch} launch-timed frames is late — the first, stamped at the call itself, cannot leave before the CPU has posted the aggregate; the others leave exactly on their stamps.",
        ],
        answer: "Timing travels with the data (A12–A15): the application stamps each datagram, and either the OS releases it when due (a timer and a doorbell per datagram, and a constant CPU-and-DMA delay after the stamp) or the NIC holds it until its launch time (one doorbell, exact times). Without stamps the whole aggregate leaves in one burst.",
        numbers: [
            Number("spread", "rx1 first to last arrival", variant: "immediate os-queue", .receiver("rx1", .arrivalSpreadPs), 76_752_000),
            Number("spreadr", "rx1 first to last arrival", variant: "range os-queue", .receiver("rx1", .arrivalSpreadPs), 899_790_000),
            Number("spreadl", "rx1 first to last arrival", variant: "range launch-time", .receiver("rx1", .arrivalSpreadPs), 884_425_254),
            Number("peak", "peak switch port bytes", variant: "immediate os-queue", .switchPeak, 10_420),
            Number("peakr", "peak switch port bytes", variant: "range os-queue", .switchPeak, 1_042),
            Number("db", "doorbells", variant: "range os-queue", .host("server", .doorbells), 10),
            Number("dbl", "doorbells", variant: "range launch-time", .host("server", .doorbells), 1),
            Number("timer", "timer cycles", variant: "range os-queue", .cycles("server", category: "timer"), 15_000),
            Number("launch", "launch-timed frames", variant: "range launch-time", .host("server", .launchTimedFrames), 10),
            Number("late", "late frames", variant: "range launch-time", .host("server", .lateFrames), 1),
        ])

    static let setTopBoxes = Lab(
        name: "set-top-boxes", group: .media, title: "Burst or paced: what do set-top boxes see?",
        question: "How much jitter (MDI delay factor) do set-top boxes see when each 40 ms of two streams goes out in one write, and when every datagram leaves at its due time?",
        scenario: "set-top-boxes.yaml",
        vary: [("streams.method", ["multi-write", "aggregate"]), ("streams.delivery", ["launch-time", "os-queue"])],
        observe: [
            "`set-top box max MDI DF` (RFC 4445 delay factor, the largest of the four boxes): {df} when each 40 ms interval goes out in one write — a box gets up to 40 ms of stream at once; {dfl} paced by NIC launch time and {dfo} by the OS's timed queue — about one datagram's drain time (1,316 bytes at 2 Mb/s is 5.264 ms).",
            "`peak switch port bytes`: {peak} with the burst write, {peakl} (one frame) paced.",
            "`interrupts`: {irq} with launch time (one per interval), {irqo} through the OS's queue (one per datagram): pacing in software costs the CPU, pacing in the NIC does not.",
            "`set-top box underflows`: {under} — with 200 ms of start-up buffer the bursts do not starve these boxes; set-top-box-buffer shows when they do.",
        ],
        answer: "Jitter at the box is made at the sender: a burst write delivers data up to an interval early, pacing delivers each datagram when it is due. Launch time gets the pacing without an interrupt per datagram (B2–B4 with A12–A15).",
        numbers: [
            Number("df", "largest MDI delay factor", variant: "multi-write launch-time", .setTopBoxes(.maxDelayFactorPs), 44_362_070_001),
            Number("dfl", "largest MDI delay factor", variant: "aggregate launch-time", .setTopBoxes(.maxDelayFactorPs), 5_329_433_664),
            Number("dfo", "largest MDI delay factor", variant: "aggregate os-queue", .setTopBoxes(.maxDelayFactorPs), 5_264_210_000),
            Number("peak", "peak switch port bytes", variant: "multi-write launch-time", .switchPeak, 16_296),
            Number("peakl", "peak switch port bytes", variant: "aggregate launch-time", .switchPeak, 1_358),
            Number("irq", "interrupts", variant: "aggregate launch-time", .host("server", .interrupts), 25),
            Number("irqo", "interrupts", variant: "aggregate os-queue", .host("server", .interrupts), 1_140),
            Number("under", "underflows", variant: "multi-write launch-time", .setTopBoxes(.underflows), 0),
        ])

    static let setTopBoxBuffer = Lab(
        name: "set-top-box-buffer", group: .media, title: "A small switch buffer and bursty video",
        question: "What happens to set-top boxes behind switch ports with only 4 KiB of buffer when the server sends 50 ms bursts, and when it paces?",
        scenario: "set-top-box-buffer.yaml",
        vary: [("streams.method", ["multi-write", "aggregate"])],
        observe: [
            "`switch drops`: {drops} frames dropped at the tail of 4 KiB port buffers by 50 ms bursts at ten times the port's rate; {dropsp} when paced.",
            "`set-top box underflows`: {under} over the four boxes with bursts, {underp} paced.",
            "The Set-top boxes table of `nicsim run Fixtures/labs/set-top-box-buffer.yaml --set streams.method=multi-write` shows the continuity-counter errors each lost datagram leaves in the transport stream: {cc} over the four boxes.",
        ],
        answer: "A switch port's buffer must hold a burst's excess, and 50 ms of video arriving at ten times the port's rate needs far more than 4 KiB: the tail drops show up at the boxes as continuity errors and, once the losses outrun the 100 ms start-up buffer, as underflows. Paced, one frame of buffer is enough (B44–B48).",
        numbers: [
            Number("drops", "switch drops", variant: "multi-write", .switchDrops, 520),
            Number("dropsp", "switch drops", variant: "aggregate", .switchDrops, 0),
            Number("cc", "continuity errors", variant: "multi-write", .setTopBoxes(.continuityErrors), 292),
            Number("under", "underflows", variant: "multi-write", .setTopBoxes(.underflows), 52),
            Number("underp", "underflows", variant: "aggregate", .setTopBoxes(.underflows), 0),
        ])

    static let vdeLinux = Lab(
        name: "vde-linux", group: .realNetwork, title: "Does a real Linux stack accept the emulated NIC's frames?",
        question: "Do the emulated server's datagrams reach a real Linux UDP socket byte for byte, and does the emulated host answer Linux's ping?",
        kind: .realLinux, scenario: "vde-linux.yaml", vary: [],
        observe: [
            "`What the lab did`: a vde_switch, a network namespace and a tap device of the lab's own, all removed at the end; Linux's address is 192.0.2.1, the emulated server's 192.0.2.100.",
            "`Destinations`: the driver built {segs} datagrams for Linux (20,000 bytes in 1,472-byte payloads); `What Linux saw`: the socket got {ld} datagrams, {lb} bytes, and their digest is the application buffer's.",
            "`arpRequestsSent` ({arp} or more): the emulated server found Linux's MAC address by ARP before its first datagram; Linux found the server's the same way.",
            "`ping`: {ping} of 3 echo requests answered by the emulated host's stack; `frames over 1518 bytes` {over} — vde_switch would truncate them.",
            "`pacing lateness`: virtual time follows the wall clock; the lateness percentiles say how far it fell behind.",
        ],
        answer: "The frames the emulated NIC builds — Ethernet, IPv4 and UDP headers from the driver's templates, checksums, ARP and ICMP from the emulated OS — are accepted by a real Linux stack byte for byte, so a scenario can talk to real programs, containers or virtual machines behind a VDE switch.",
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
