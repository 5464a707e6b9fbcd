//! Text as people type it. Names are trimmed and put in Unicode NFC, so that
//! Hangul typed as separate jamo (as some keyboards send it) is the same name
//! as the composed syllables: for uniqueness, for search and for display.

use unicode_normalization::UnicodeNormalization;

/// `raw` trimmed and in NFC.
pub fn name(raw: &str) -> String {
    raw.trim().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_hangul_becomes_the_composed_syllables() {
        // "한" as three jamo (U+1112 U+1161 U+11AB), then as one syllable.
        let decomposed = "\u{1112}\u{1161}\u{11AB}글 ";
        assert_eq!(name(decomposed), "한글");
        assert_eq!(name(decomposed).chars().count(), 2);
    }
}
