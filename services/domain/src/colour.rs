//! Brand colours, and the WCAG contrast rule that keeps every tenant's portal readable:
//! a tenant cannot configure a colour scheme that fails WCAG 2.1 AA.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An sRGB colour written as `#rrggbb` (or the short `#rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour {
    r: u8,
    g: u8,
    b: u8,
}

impl Colour {
    pub const WHITE: Colour = Colour { r: 255, g: 255, b: 255 };

    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let expected = || format!("\"{text}\" is geen kleur; verwacht #rrggbb, bijvoorbeeld #1d4f91");
        let hex = text.strip_prefix('#').ok_or_else(expected)?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(expected());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map_err(|_| expected());
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| expected());
        match hex.len() {
            3 => Ok(Self { r: digit(0)? * 17, g: digit(1)? * 17, b: digit(2)? * 17 }),
            6 => Ok(Self { r: pair(0)?, g: pair(2)?, b: pair(4)? }),
            _ => Err(expected()),
        }
    }

    /// Relative luminance as WCAG 2.1 defines it.
    pub fn luminance(&self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        }
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// The WCAG contrast ratio between two colours, from 1 to 21.
    pub fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }
}

/// A contrast ratio as a Dutch reader writes it ("4,49:1"), cut rather than rounded, so a
/// ratio just under a threshold never reads as reaching it.
pub fn ratio_text(ratio: f64) -> String {
    format!("{:.2}:1", (ratio * 100.0).floor() / 100.0).replace('.', ",")
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl TryFrom<String> for Colour {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Colour> for String {
    fn from(value: Colour) -> Self {
        value.to_string()
    }
}

/// WCAG 2.1 AA for normal text.
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// WCAG 2.1 AA for what is not text, such as the focus ring.
pub const MIN_NON_TEXT_CONTRAST: f64 = 3.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_long_and_short_forms() {
        assert_eq!(Colour::parse("#1d4f91").unwrap(), Colour::rgb(0x1d, 0x4f, 0x91));
        assert_eq!(Colour::parse("#fff").unwrap(), Colour::WHITE);
        assert_eq!(Colour::parse("#FFFFFF").unwrap().to_string(), "#ffffff");
    }

    #[test]
    fn refuses_what_is_not_a_colour() {
        for bad in ["1d4f91", "#12345", "#gggggg", "blue", "#1234567", "", "#"] {
            let err = Colour::parse(bad).unwrap_err();
            assert!(err.contains("geen kleur"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_ratio_reads_with_a_comma_and_never_rounds_up_to_enough() {
        assert_eq!(super::ratio_text(4.4999), "4,49:1");
        assert_eq!(super::ratio_text(21.0), "21,00:1");
    }

    #[test]
    fn contrast_matches_wcag_examples() {
        let black = Colour::rgb(0, 0, 0);
        assert!((black.contrast(&Colour::WHITE) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic lightest grey that passes AA.
        let grey = Colour::parse("#767676").unwrap();
        assert!(grey.contrast(&Colour::WHITE) >= MIN_TEXT_CONTRAST);
        let light = Colour::parse("#777777").unwrap();
        assert!(light.contrast(&Colour::WHITE) < MIN_TEXT_CONTRAST);
    }
}
