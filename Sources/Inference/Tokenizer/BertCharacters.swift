/// The character classes Hugging Face's BERT normalizer and pre-tokenizer use, exactly as its Rust build has them.
///
/// HF takes general categories from the `unicode_categories` crate, whose tables are Unicode 8.0: a scalar assigned
/// later has no category there, so HF neither drops it as a control, strips it as a mark, nor splits on it as
/// punctuation. Swift's tables are current, so each test caps the scalar's age at 8.0 and patches the few scalars
/// whose category changed since. Both were checked against HF for every code point.
enum BertCharacters {
    /// Dropped by `clean_text`: NUL, U+FFFD, and categories Cc, Cf, Co (HF's `is_other` minus Cn, which the crate
    /// leaves empty), except tab, newline and carriage return, which become spaces instead.
    @inline(__always)
    static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value < 0x20 ? value != 0x09 && value != 0x0A && value != 0x0D : value == 0x7F }
        if value == 0xFFFD { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return isUnicode8(scalar)
        default: return false
        }
    }

    /// Rust's `char::is_whitespace` (the White_Space property), which HF also applies to tab, newline and CR.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return scalar.properties.isWhitespace
    }

    /// The CJK ideograph blocks HF pads with spaces (its `is_chinese_char`; kana and hangul are not among them).
    @inline(__always)
    static func isChineseCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F, 0x2B920...0x2CEAF,
            0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Removed after NFD when stripping accents: category Mn as of Unicode 8.0.
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x300 { return false }
        switch scalar.value {
        // Mn in 8.0, spacing marks (Mc) now.
        case 0x1734, 0x1171E: return true
        // Letters or punctuation in 8.0, Mn now.
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: return scalar.properties.generalCategory == .nonspacingMark && isUnicode8(scalar)
        }
    }

    /// Isolated by the BERT pre-tokenizer: ASCII punctuation and symbols (33–47, 58–64, 91–96, 123–126) plus
    /// categories Pc, Pd, Ps, Pe, Pi, Pf, Po as of Unicode 8.0.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 33 && value <= 47) || (value >= 58 && value <= 64) || (value >= 91 && value <= 96)
                || (value >= 123 && value <= 126)
        }
        switch value {
        // Other punctuation in 8.0; a symbol and a mark now.
        case 0x166D, 0x111C9: return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return isUnicode8(scalar)
        default:
            return false
        }
    }

    /// Whether the scalar was assigned by Unicode 8.0, the version of HF's category tables.
    @inline(__always)
    private static func isUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= 8
    }
}
