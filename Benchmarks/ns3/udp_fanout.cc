// The ns-3 side of nicsim's comparison (BENCHMARKS.md, "nicsim against ns-3"), written against ns-3.37's public
// API: one server sends N fixed-rate UDP flows through a learning switch to N receivers.
//
//   server --(10 Gb/s, 500 ns)-- switch --(1 Gb/s, 500 ns)-- receiver i   (i = 1 … N)
//
// Links are CSMA channels with two devices each; the switch is a BridgeNetDevice over its N + 1 CSMA devices. The
// server runs one UdpClient per receiver (one datagram of --payload bytes every --interval-us microseconds, the
// first at t = 0, for --duration-ms milliseconds); each receiver runs a UdpServer that counts what arrives.
// ARP runs as usual (without its request jitter): the first datagram to each receiver waits a few microseconds for
// the reply, which also teaches the switch where the receiver is, so forwarding is unicast, as in nicsim where the
// switch's entries are configured.
//
// Prints one line of key=value pairs: flows, sent, delivered (datagrams the UdpServers counted), wall seconds of
// Simulator::Run() alone (setup excluded, as on the nicsim side), and delivered per wall-second.
//
// Build: g++ -O2 -std=c++17 udp_fanout.cc -o udp_fanout -lns3-core -lns3-network -lns3-internet -lns3-csma \
//            -lns3-bridge -lns3-applications           (Benchmarks/ns3/compare.sh does this)

#include "ns3/applications-module.h"
#include "ns3/bridge-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <chrono>
#include <cstdio>

using namespace ns3;

int
main(int argc, char* argv[])
{
    uint32_t flows = 16;
    uint32_t payload = 1472;     // UDP payload bytes: a 1500-byte IPv4 packet
    uint32_t intervalUs = 1000;  // one datagram per flow every millisecond
    uint32_t durationMs = 10000; // 10 s of simulated time
    bool pcap = false;
    std::string pcapPrefix = "ns3-fanout";

    CommandLine cmd(__FILE__);
    cmd.AddValue("flows", "UDP flows = receivers", flows);
    cmd.AddValue("payload", "UDP payload bytes per datagram", payload);
    cmd.AddValue("interval-us", "microseconds between datagrams of one flow", intervalUs);
    cmd.AddValue("duration-ms", "milliseconds of simulated sending", durationMs);
    cmd.AddValue("pcap", "capture the server's transmitted frames", pcap);
    cmd.AddValue("pcap-prefix", "pcap file prefix", pcapPrefix);
    cmd.Parse(argc, argv);

    // ARP requests go out at once (ns-3 otherwise waits a random 0-10 ms, and the datagrams queued behind the
    // request beyond ArpCache::PendingQueueSize would be dropped before any flow starts).
    Config::SetDefault("ns3::ArpL3Protocol::RequestJitter", StringValue("ns3::ConstantRandomVariable[Constant=0.0]"));

    NodeContainer server;
    server.Create(1);
    NodeContainer switchNode;
    switchNode.Create(1);
    NodeContainer receivers;
    receivers.Create(flows);

    CsmaHelper serverLink;
    serverLink.SetChannelAttribute("DataRate", DataRateValue(DataRate("10Gbps")));
    serverLink.SetChannelAttribute("Delay", TimeValue(NanoSeconds(500)));
    CsmaHelper receiverLink;
    receiverLink.SetChannelAttribute("DataRate", DataRateValue(DataRate("1Gbps")));
    receiverLink.SetChannelAttribute("Delay", TimeValue(NanoSeconds(500)));

    NetDeviceContainer switchPorts;
    NetDeviceContainer hostDevices;
    NetDeviceContainer serverSide = serverLink.Install(NodeContainer(server.Get(0), switchNode.Get(0)));
    hostDevices.Add(serverSide.Get(0));
    switchPorts.Add(serverSide.Get(1));
    for (uint32_t i = 0; i < flows; ++i)
    {
        NetDeviceContainer pair = receiverLink.Install(NodeContainer(switchNode.Get(0), receivers.Get(i)));
        switchPorts.Add(pair.Get(0));
        hostDevices.Add(pair.Get(1));
    }
    BridgeHelper bridge;
    bridge.Install(switchNode.Get(0), switchPorts);

    InternetStackHelper stack;
    stack.Install(server);
    stack.Install(receivers);
    Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.0.0.0");
    Ipv4InterfaceContainer interfaces = addresses.Assign(hostDevices);

    const uint16_t port = 5000;
    const uint32_t perFlow = uint32_t((uint64_t(durationMs) * 1000 + intervalUs - 1) / intervalUs);
    std::vector<Ptr<UdpServer>> sinks;
    for (uint32_t i = 0; i < flows; ++i)
    {
        UdpServerHelper sink(port);
        ApplicationContainer app = sink.Install(receivers.Get(i));
        app.Start(Seconds(0));
        sinks.push_back(sink.GetServer());

        UdpClientHelper client(interfaces.GetAddress(i + 1), port);
        client.SetAttribute("MaxPackets", UintegerValue(perFlow));
        client.SetAttribute("Interval", TimeValue(MicroSeconds(intervalUs)));
        client.SetAttribute("PacketSize", UintegerValue(payload));
        ApplicationContainer sender = client.Install(server.Get(0));
        sender.Start(Seconds(0));
    }
    if (pcap)
    {
        serverLink.EnablePcap(pcapPrefix, serverSide.Get(0), true);
    }

    // Long enough for the last datagram to arrive; nothing else is scheduled after it.
    Simulator::Stop(MilliSeconds(durationMs) + MilliSeconds(100));
    auto start = std::chrono::steady_clock::now();
    Simulator::Run();
    auto end = std::chrono::steady_clock::now();
    uint64_t delivered = 0;
    for (auto& s : sinks)
    {
        delivered += s->GetReceived();
    }
    Simulator::Destroy();

    double seconds = std::chrono::duration<double>(end - start).count();
    std::printf("ns3 flows=%u sent=%llu delivered=%llu wall=%.6f rate=%.0f\n", flows,
                (unsigned long long)(uint64_t(perFlow) * flows), (unsigned long long)delivered, seconds,
                seconds > 0 ? double(delivered) / seconds : 0.0);
    return 0;
}
