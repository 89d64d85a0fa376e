import Testing

@testable import SimCore

@Suite("IntegerMap: a growable open-addressing map")
struct IntegerMapTests {
    @Test("random sets, removals and range removals agree with a Dictionary, through growth")
    func agreesWithDictionary() {
        var map = IntegerMap()
        var model: [UInt64: UInt64] = [:]
        var random = RandomStream(seed: 7, name: "integer-map")
        for step in 0..<20_000 {
            // Keys from a small range collide and are removed often; page-like keys from a large one spread out.
            let key = step % 3 == 0 ? random.next() % 64 : random.next() % (1 << 36)
            switch random.next() % 10 {
            case 0...5:
                let value = random.next()
                map.set(value, for: key)
                model[key] = value
            case 6...8:
                #expect(map.remove(key) == model.removeValue(forKey: key))
            default:
                let low = random.next() % 64
                let removed = map.removeAll { $0 >= low && $0 < low + 8 }
                let before = model.count
                model = model.filter { !($0.key >= low && $0.key < low + 8) }
                #expect(removed == before - model.count)
            }
            #expect(map.count == model.count)
            #expect(map[key] == model[key])
        }
        for (key, value) in model { #expect(map[key] == value) }
        #expect(map[UInt64(1) << 40] == nil)
    }

    @Test("removing the whole table empties it and it still works")
    func removeEverything() {
        var map = IntegerMap(capacity: 2)
        for k in 0..<1000 as Range<UInt64> { map.set(k * 3, for: k * 4096) }
        #expect(map.count == 1000)
        #expect(map.removeAll { _ in true } == 1000)
        #expect(map.isEmpty)
        #expect(map[0] == nil)
        map.set(5, for: 0)
        #expect(map[0] == 5)
    }
}
