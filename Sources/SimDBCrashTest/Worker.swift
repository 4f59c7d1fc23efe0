import Foundation
import SimDB
import SimDBCore
import SimDBSamples

/// The child: opens the store and runs random writes and queries until it is killed, logging
/// each write before it starts (`B n op`) and after it returns (`A n`, or `F n` when refused), so
/// that every acknowledgement is in the log before a kill can land after it.
struct Worker {
    let store: String
    let log: String
    let seed: UInt64
    /// Person ids are `p0 ..< p<people>`.
    let people: Int

    func run() throws -> Never {
        guard FileManager.default.createFile(atPath: log, contents: nil), let output = FileHandle(forWritingAtPath: log) else {
            throw SimDBError(.storage, "\(log): cannot create the acknowledgement log")
        }
        func note(_ line: String) { output.write(Data((line + "\n").utf8)) }  // one write(2), unbuffered
        let database = try Store(path: store, options: Store.Options(encoder: "pixels/1"))
        var random = SplitMix64(seed: seed)
        var number = 0
        while true {
            number += 1
            let roll = Int.random(in: 0..<100, using: &random)
            func person() -> Int { Int.random(in: 0..<people, using: &random) }
            func pictures(_ person: Int) throws -> [ImageSource] {
                try (0..<Int.random(in: 1...3, using: &random)).map { _ in
                    let index = Int.random(in: 0..<40, using: &random)
                    return .bytes(try SyntheticFaces.png(person: person, index: index), name: "p\(person)-\(index).png")
                }
            }
            do {
                switch roll {
                case 0..<40:
                    let who = person(), images = try pictures(who)
                    note("B \(number) add p\(who):\(images.count)")
                    try database.add(images, to: "p\(who)")
                case 40..<55:
                    var seen = Set<Int>(), group: [Enrollment] = []
                    for _ in 0..<Int.random(in: 2...6, using: &random) {
                        let who = person()
                        if seen.insert(who).inserted { group.append(Enrollment(personId: "p\(who)", images: try pictures(who))) }
                    }
                    note("B \(number) add " + group.map { "\($0.personId):\($0.images.count)" }.joined(separator: " "))
                    try database.add(group)
                case 55..<80:
                    let who = person()
                    note("B \(number) remove p\(who)")
                    try database.remove("p\(who)")
                default:
                    let who = person()
                    _ = try database.query(.bytes(try SyntheticFaces.png(person: who, index: 41), name: "probe.png"), k: 3)
                    continue
                }
                note("A \(number)")
            } catch let error as SimDBError where error.code == .notFound {
                note("F \(number)")  // removing someone not enrolled: refused, nothing written
            }
        }
    }
}
