// simdb-samples: writes synthetic sample pictures for the demo, one folder per "person".
import Foundation
import SimDBSamples

let usage = "usage: simdb-samples DIR [PEOPLE] [PICTURES]  (defaults: 5 people, 4 pictures each)"
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first, !output.hasPrefix("-") else {
    FileHandle.standardError.write(Data("\(usage)\n".utf8))
    exit(2)
}
let numbers = arguments.dropFirst().map { Int($0) }
guard numbers.allSatisfy({ ($0 ?? 0) > 0 }) else {
    FileHandle.standardError.write(Data("\(usage)\n".utf8))
    exit(2)
}
let people = (numbers.first ?? nil) ?? 5
let pictures = (numbers.dropFirst().first ?? nil) ?? 4
let names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
do {
    for person in 0..<people {
        let name = person < names.count ? names[person] : "person-\(person)"
        let folder = URL(fileURLWithPath: output).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<pictures {
            let bytes = try SyntheticFaces.png(person: person, index: index)
            try Data(bytes).write(to: folder.appendingPathComponent("\(index + 1).png"))
        }
    }
    print("wrote \(people * pictures) pictures of \(people) people to \(output)")
} catch {
    FileHandle.standardError.write(Data("simdb-samples: error: \(error)\n".utf8))
    exit(1)
}
