import SimDBCore

/// Just enough XML for OpenCV's cascade files: elements, their text and their children, with
/// the declaration, comments and attributes skipped. Not a general XML parser (no entities, no
/// CDATA), which these files do not use.
struct SimpleXML {
    var name: String
    var children: [SimpleXML] = []
    /// The element's own text, trimmed of white space.
    var text = ""

    /// The first child called `name`.
    func child(_ name: String) -> SimpleXML? { children.first { $0.name == name } }

    /// The element's text split at white space: the numbers of a cascade file's elements.
    /// Only ASCII white space separates, so no `Character` is formed (reading a cascade was
    /// mostly Unicode property look-ups before).
    var fields: [Substring] {
        text.utf8.split(whereSeparator: SimpleXML.isSpace).map { Substring($0) }
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Parses a document and returns its root element.
    /// - Throws: ``SimDBError`` `.corruptStore` naming `name` when the text is not well formed.
    static func parse(_ text: String, name: String) throws -> SimpleXML {
        var parser = Parser(bytes: Array(text.utf8), name: name)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        let name: String
        var at = 0

        func failure(_ why: String) -> SimDBError {
            SimDBError(.corruptStore, "\(name): not a cascade simdb can read (malformed XML at byte \(at): \(why))")
        }

        mutating func document() throws -> SimpleXML {
            var root: SimpleXML?
            while at < bytes.count {
                if bytes[at] != UInt8(ascii: "<") { at += 1; continue }
                if try skipMarkup() { continue }
                guard root == nil else { throw failure("a second root element") }
                root = try element()
            }
            guard let root else { throw failure("no element") }
            return root
        }

        /// Skips `<?…?>`, `<!--…-->` and `<!…>` at `at`; whether there was one.
        mutating func skipMarkup() throws -> Bool {
            guard at + 1 < bytes.count else { return false }
            let (opening, closing): (String, String)
            switch bytes[at + 1] {
            case UInt8(ascii: "?"): (opening, closing) = ("<?", "?>")
            case UInt8(ascii: "!"): (opening, closing) = bytes[at...].starts(with: Array("<!--".utf8)) ? ("<!--", "-->") : ("<!", ">")
            default: return false
            }
            at += opening.utf8.count
            guard let end = find(Array(closing.utf8)) else { throw failure("unterminated \(opening)") }
            at = end + closing.utf8.count
            return true
        }

        func find(_ needle: [UInt8]) -> Int? {
            var index = at
            while index + needle.count <= bytes.count {
                if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
                index += 1
            }
            return nil
        }

        /// Parses the element starting at `at` (on its `<`).
        mutating func element() throws -> SimpleXML {
            at += 1
            let nameStart = at
            while at < bytes.count, !Self.endsName(bytes[at]) { at += 1 }
            guard at > nameStart else { throw failure("an element without a name") }
            var element = SimpleXML(name: String(decoding: bytes[nameStart..<at], as: UTF8.self))
            // Attributes are skipped (a quoted '>' is not expected in these files).
            while at < bytes.count, bytes[at] != UInt8(ascii: ">") { at += 1 }
            guard at < bytes.count else { throw failure("unterminated <\(element.name)>") }
            if bytes[at - 1] == UInt8(ascii: "/") { at += 1; return element }
            at += 1
            var text: [UInt8] = []
            while at < bytes.count {
                if bytes[at] != UInt8(ascii: "<") {
                    text.append(bytes[at])
                    at += 1
                } else if bytes.count > at + 1, bytes[at + 1] == UInt8(ascii: "/") {
                    let close = Array("</\(element.name)".utf8)
                    guard bytes[at...].starts(with: close) else { throw failure("a closing tag that is not </\(element.name)>") }
                    at += close.count
                    while at < bytes.count, bytes[at] != UInt8(ascii: ">") { at += 1 }
                    at += 1
                    let first = text.firstIndex { !SimpleXML.isSpace($0) } ?? text.endIndex
                    let last = text.lastIndex { !SimpleXML.isSpace($0) } ?? first
                    element.text = first < text.endIndex ? String(decoding: text[first...last], as: UTF8.self) : ""
                    return element
                } else if try !skipMarkup() {
                    element.children.append(try self.element())
                }
            }
            throw failure("unterminated <\(element.name)>")
        }

        static func endsName(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || SimpleXML.isSpace(byte)
        }
    }
}
