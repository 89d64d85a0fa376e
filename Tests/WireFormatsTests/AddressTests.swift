import Testing
import WireFormats

@Suite struct MACAddressTests {
    @Test func parsesAndPrintsLowercaseColonForm() throws {
        let mac = try #require(MACAddress("02:00:00:AB:cd:01"))
        #expect(mac.rawValue == 0x0200_00AB_CD01)
        #expect(mac.description == "02:00:00:ab:cd:01")
        #expect(MACAddress(2, 0, 0, 0xAB, 0xCD, 1) == mac)
        #expect(MACAddress(mac.description) == mac)
    }

    @Test(arguments: [
        "", "02:00:00:00:00", "02:00:00:00:00:01:02", "2:00:00:00:00:01", "02:00:00:00:00:001", "02-00-00-00-00-01",
        "02:00:00:00:00:0g", " 02:00:00:00:00:01", "02:00:00:00:00:01 ", "02::00:00:00:00:01", ":02:00:00:00:00:01",
        "02:00:00:00:00:01:",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test func keepsOnlyLow48BitsAndOrdersNumerically() {
        #expect(MACAddress(rawValue: 0xFFFF_0200_0000_0001).rawValue == 0x0200_0000_0001)
        #expect(MACAddress(rawValue: 1) < MACAddress(rawValue: 2))
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
    }

    @Test func multicastBitIsTheLowBitOfTheFirstByte() {
        #expect(MACAddress.broadcast.isMulticast)
        #expect(MACAddress(0x01, 0x00, 0x5E, 1, 1, 1).isMulticast)
        #expect(!MACAddress(0x02, 0, 0, 0, 0, 1).isMulticast)
        #expect(!MACAddress(0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).isMulticast)
    }
}

@Suite struct IPv4AddressTests {
    @Test(arguments: [
        ("10.0.0.1", UInt32(0x0A00_0001)), ("0.0.0.0", 0), ("255.255.255.255", 0xFFFF_FFFF),
        ("192.168.100.7", 0xC0A8_6407),
    ])
    func parsesDottedQuads(_ text: String, _ value: UInt32) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.rawValue == value)
        #expect(address.description == text)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "x1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1..2.3", ".1.2.3.4",
        "1.2.3.4.", "01.2.3.4", "1.2.3.1000", "+1.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.４",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func bytesInitializerAndOrdering() {
        #expect(IPv4Address(10, 0, 0, 1).rawValue == 0x0A00_0001)
        #expect(IPv4Address(10, 0, 0, 1) < IPv4Address(10, 0, 0, 2))
        #expect(IPv4Address(239, 1, 1, 1).isMulticast)
        #expect(!IPv4Address(10, 0, 0, 1).isMulticast)
    }
}

@Suite struct NetworkBytesTests {
    @Test func readsAndWritesBigEndian() {
        var bytes = [UInt8](repeating: 0, count: 10)
        NetworkBytes.setUInt16(&bytes, 1, 0x1234)
        NetworkBytes.setUInt32(&bytes, 3, 0x89AB_CDEF)
        #expect(bytes[0..<7] == [0, 0x12, 0x34, 0x89, 0xAB, 0xCD, 0xEF])
        #expect(NetworkBytes.getUInt16(bytes, 1) == 0x1234)
        #expect(NetworkBytes.getUInt32(bytes, 3) == 0x89AB_CDEF)
        NetworkBytes.setMAC(&bytes, 4, MACAddress(rawValue: 0x0102_0304_0506))
        #expect(bytes[4..<10] == [1, 2, 3, 4, 5, 6])
        #expect(NetworkBytes.getMAC(bytes, 4) == MACAddress(rawValue: 0x0102_0304_0506))
    }

    @Test func gettersReturnNilOutOfRange() {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6]
        #expect(NetworkBytes.getUInt8(bytes, 6) == nil)
        #expect(NetworkBytes.getUInt8(bytes, -1) == nil)
        #expect(NetworkBytes.getUInt16(bytes, 5) == nil)
        #expect(NetworkBytes.getUInt16(bytes, -1) == nil)
        #expect(NetworkBytes.getUInt32(bytes, 3) == nil)
        #expect(NetworkBytes.getUInt32(bytes, Int.max) == nil)
        #expect(NetworkBytes.getMAC(bytes, 1) == nil)
        #expect(NetworkBytes.getMAC(bytes, Int.min) == nil)
        #expect(NetworkBytes.getUInt16([], 0) == nil)
    }

    @Test func setterPreconditionTrapsOutOfRange() async {
        await #expect(processExitsWith: .failure) {
            var bytes = [UInt8](repeating: 0, count: 3)
            NetworkBytes.setUInt32(&bytes, 0, 1)
        }
    }
}
