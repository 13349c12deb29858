/// The dictionary of a .npy header, parsed from its Python-literal text, e.g.
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 64, 64), }`.
struct NumPyHeader {
    /// Why a header could not be parsed.
    struct ParseError: Error {
        /// Explanation with the position in the header text.
        let reason: String
    }

    /// The 'descr' string, e.g. "<f8"; nil for a structured dtype (a list of fields).
    let descriptor: String?
    /// The 'fortran_order' flag.
    let fortranOrder: Bool
    /// The 'shape' tuple.
    let shape: [Int]

    private enum Value {
        case string(String)
        case boolean(Bool)
        case tuple([Int])
        case integer(Int)
        case other
    }

    /// Parses the header text; all three keys are required.
    init(parsing text: String) throws(ParseError) {
        var parser = Parser(characters: Array(text.unicodeScalars))
        let dictionary = try parser.parseDictionary()
        switch dictionary["descr"] {
        case let .string(text)?: descriptor = text
        case .other?: descriptor = nil
        default: throw ParseError(reason: "'descr' missing or not a dtype")
        }
        guard case let .boolean(fortranOrder)? = dictionary["fortran_order"] else {
            throw ParseError(reason: "'fortran_order' missing or not True/False")
        }
        guard case let .tuple(shape)? = dictionary["shape"] else {
            throw ParseError(reason: "'shape' missing or not a tuple of integers")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ParseError(reason: "negative dimension in shape") }
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    private struct Parser {
        let characters: [Unicode.Scalar]
        var position = 0

        mutating func skipWhitespace() {
            while position < characters.count, characters[position].properties.isWhitespace { position += 1 }
        }

        func fail(_ what: String) -> ParseError {
            ParseError(reason: "\(what) at character \(position)")
        }

        mutating func expect(_ character: Unicode.Scalar) throws(ParseError) {
            skipWhitespace()
            guard position < characters.count, characters[position] == character else {
                throw fail("expected '\(character)'")
            }
            position += 1
        }

        mutating func peek() -> Unicode.Scalar? {
            skipWhitespace()
            return position < characters.count ? characters[position] : nil
        }

        mutating func parseDictionary() throws(ParseError) -> [String: Value] {
            try expect("{")
            var result: [String: Value] = [:]
            while true {
                guard let next = peek() else { throw fail("unterminated dictionary") }
                if next == "}" {
                    position += 1
                    break
                }
                let key = try parseString()
                try expect(":")
                result[key] = try parseValue()
                guard let separator = peek() else { throw fail("unterminated dictionary") }
                if separator == "," {
                    position += 1
                } else if separator != "}" {
                    throw fail("expected ',' or '}'")
                }
            }
            return result
        }

        mutating func parseString() throws(ParseError) -> String {
            guard let quote = peek(), quote == "'" || quote == "\"" else { throw fail("expected a string") }
            position += 1
            var text = ""
            while position < characters.count, characters[position] != quote {
                text.unicodeScalars.append(characters[position])
                position += 1
            }
            guard position < characters.count else { throw fail("unterminated string") }
            position += 1
            return text
        }

        mutating func parseInteger() throws(ParseError) -> Int {
            _ = peek()
            var digits = ""
            while position < characters.count, ("0"..."9").contains(characters[position]) {
                digits.unicodeScalars.append(characters[position])
                position += 1
            }
            if position < characters.count, characters[position] == "L" { position += 1 }
            guard let value = Int(digits) else { throw fail("expected an integer") }
            return value
        }

        mutating func parseWord() -> String {
            var word = ""
            while position < characters.count, characters[position].properties.isAlphabetic {
                word.unicodeScalars.append(characters[position])
                position += 1
            }
            return word
        }

        mutating func parseValue() throws(ParseError) -> Value {
            guard let next = peek() else { throw fail("missing value") }
            switch next {
            case "'", "\"":
                return .string(try parseString())
            case "(":
                position += 1
                var elements: [Int] = []
                while true {
                    guard let item = peek() else { throw fail("unterminated tuple") }
                    if item == ")" {
                        position += 1
                        break
                    }
                    elements.append(try parseInteger())
                    guard let separator = peek() else { throw fail("unterminated tuple") }
                    if separator == "," {
                        position += 1
                    } else if separator != ")" {
                        throw fail("expected ',' or ')'")
                    }
                }
                return .tuple(elements)
            case "[":
                try skipBracketed(open: "[", close: "]")
                return .other
            case "0"..."9":
                return .integer(try parseInteger())
            default:
                switch parseWord() {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                case "None": return .other
                default: throw fail("unexpected value")
                }
            }
        }

        mutating func skipBracketed(open: Unicode.Scalar, close: Unicode.Scalar) throws(ParseError) {
            var depth = 0
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == open { depth += 1 }
                if character == close {
                    depth -= 1
                    if depth == 0 { return }
                }
            }
            throw fail("unterminated list")
        }
    }
}
