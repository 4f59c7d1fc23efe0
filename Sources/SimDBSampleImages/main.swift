// simdb-samples: writes synthetic sample pictures for the demo, one folder per "person"; or
// scenes made from face pictures (`scenes`, `group`), stand-ins for ordinary photos.
import Foundation
import SimDB
import SimDBCore
import SimDBImageIO
import SimDBSamples

let usage = """
    usage: simdb-samples DIR [PEOPLE] [PICTURES]  (defaults: 5 people, 4 pictures each)
           simdb-samples scenes SOURCE DEST [SEED]  (each picture of SOURCE/person/ pasted into a 640x480 scene,
                                                     written as DEST/person/NAME.png; prints, a line each,
                                                     person/NAME.png and where the picture went: x y width height)
           simdb-samples group OUT.png SEED PICTURE...  (the pictures side by side in one scene)
    """
let arguments = CommandLine.arguments.dropFirst()

/// Writes `image` as PNG to `path`.
func writePNG(_ image: Image, to path: URL) throws {
    try Data(ImageEncoder.png(image)).write(to: path)
}

if arguments.first == "scenes" || arguments.first == "group" {
    do {
        let words = Array(arguments.dropFirst())
        if arguments.first == "scenes" {
            guard words.count == 2 || words.count == 3, let seed = words.count == 3 ? UInt64(words[2]) : 1 else {
                FileHandle.standardError.write(Data("\(usage)\n".utf8))
                exit(2)
            }
            let destination = URL(fileURLWithPath: words[1])
            var written = 0
            // The folders and files `simdb eval` reads, in its order, so a pairs file still applies.
            for person in try LabelledFolder(path: words[0]).identities {
                let out = destination.appendingPathComponent(person.name)
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                for path in person.files {
                    let file = (path as NSString).lastPathComponent
                    let picture = try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: path))
                    var hasher = SplitMix64(seed: seed)
                    for byte in (person.name + "/" + file).utf8 { hasher = SplitMix64(seed: hasher.next() ^ UInt64(byte)) }
                    let scene = Scenes.scene(with: [picture], seed: hasher.next())
                    let name = (file as NSString).deletingPathExtension + ".png"
                    try writePNG(scene.image, to: out.appendingPathComponent(name))
                    let place = scene.places[0]
                    print("\(person.name)/\(name)\t\(place.x) \(place.y) \(place.width) \(place.height)")
                    written += 1
                }
            }
            FileHandle.standardError.write(Data("wrote \(written) scenes to \(destination.path)\n".utf8))
        } else {
            guard words.count >= 3, let seed = UInt64(words[1]) else {
                FileHandle.standardError.write(Data("\(usage)\n".utf8))
                exit(2)
            }
            let pictures = try words.dropFirst(2).map { try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: $0)) }
            let scene = Scenes.scene(with: pictures, sizes: 110...200, seed: seed)
            try writePNG(scene.image, to: URL(fileURLWithPath: words[0]))
            print(scene.places.map { "\($0.x) \($0.y) \($0.width) \($0.height)" }.joined(separator: "\n"))
        }
    } catch {
        FileHandle.standardError.write(Data("simdb-samples: error: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
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
