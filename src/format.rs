//! Number formatting shared by every layer that writes numbers for people: currency, thousands
//! and decimal separators by locale, and compact axis labels.

use crate::error::{Error, Result};

/// How numbers and money are written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NumberFormat {
    /// Currency symbol or code, e.g. `£`, `$`, `€`, `VND`.
    pub currency: String,
    /// Locale deciding separators and the currency's side: `en-GB`, `en-US`, `de-DE`, `fr-FR`,
    /// `es-ES`, `it-IT`, `nl-NL`, `vi-VN`; other `en-*` behave like `en-GB`.
    pub locale: String,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            currency: String::new(),
            locale: "en-GB".to_string(),
        }
    }
}

impl NumberFormat {
    /// Thousands separator, decimal separator, and whether the currency follows the number.
    fn conventions(&self) -> Option<(&'static str, &'static str, bool)> {
        let language = self
            .locale
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match language.as_str() {
            "en" | "zh" | "ja" | "ko" | "th" => Some((",", ".", false)),
            "de" | "es" | "it" | "nl" | "id" | "vi" | "pt" | "da" | "tr" => Some((".", ",", true)),
            "fr" | "sv" | "nb" | "fi" | "pl" | "cs" | "ru" => Some(("\u{202f}", ",", true)),
            _ => None,
        }
    }

    /// Checks that the locale is known.
    pub fn check(&self) -> Result<()> {
        self.conventions().map(|_| ()).ok_or_else(|| {
            Error::param(
                "NumberFormat::locale",
                format!(
                    "unknown locale \"{}\"; use e.g. en-GB, en-US, de-DE, fr-FR, vi-VN",
                    self.locale
                ),
            )
        })
    }

    /// A number with `decimals` decimals and grouped thousands: `1,234.5`.
    pub fn number(&self, value: f64, decimals: usize) -> String {
        let (thousands, decimal, _) = self.conventions().unwrap_or((",", ".", false));
        if !value.is_finite() {
            return "-".to_string();
        }
        let text = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push_str(thousands);
            }
            grouped.push(c);
        }
        let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "-"
        } else {
            ""
        };
        if fraction.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{decimal}{fraction}")
        }
    }

    /// A whole count: `4,338`.
    pub fn count(&self, value: usize) -> String {
        self.number(value as f64, 0)
    }

    /// Money with the currency on the locale's side: `£8,911,408` or `8.911.408 €`.
    pub fn money(&self, value: f64, decimals: usize) -> String {
        self.with_currency(self.number(value, decimals))
    }

    /// Money in at most four significant characters and a scale letter, for headline figures
    /// that must fit a small card: `£8.91M`, `4,53B VND` (k, M, B, T: thousands, millions,
    /// billions, trillions). Below 10,000 it is [`NumberFormat::money`] with no decimals.
    ///
    /// ```
    /// use custseg::format::NumberFormat;
    /// let vnd = NumberFormat { currency: "VND".into(), locale: "vi-VN".into() };
    /// assert_eq!(vnd.money_compact(4_533_440_052.0), "4,53B\u{a0}VND");
    /// let gbp = NumberFormat { currency: "£".into(), locale: "en-GB".into() };
    /// assert_eq!(gbp.money_compact(8_911_407.9), "£8.91M");
    /// assert_eq!(gbp.money_compact(2_053.8), "£2,054");
    /// ```
    pub fn money_compact(&self, value: f64) -> String {
        const SCALES: [(f64, &str); 4] = [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
        let a = value.abs();
        if !a.is_finite() || a < 1e4 {
            return self.money(value, 0);
        }
        // The largest scale not above the value; one up when three digits would round to 1000
        // (999.7k is 1.00M).
        let mut i = SCALES.iter().rposition(|(s, _)| a >= *s).unwrap_or(0);
        if a / SCALES[i].0 >= 999.5 && i + 1 < SCALES.len() {
            i += 1;
        }
        let (scale, letter) = SCALES[i];
        let scaled = value / scale;
        let decimals = match scaled.abs() {
            x if x < 9.995 => 2,
            x if x < 99.95 => 1,
            _ => 0,
        };
        self.with_currency(format!("{}{letter}", self.number(scaled, decimals)))
    }

    /// `number` with the currency on the locale's side.
    fn with_currency(&self, number: String) -> String {
        let (_, _, after) = self.conventions().unwrap_or((",", ".", false));
        match (self.currency.as_str(), after) {
            ("", _) => number,
            (c, true) => format!("{number}\u{a0}{c}"),
            (c, false) if c.chars().all(|ch| ch.is_alphabetic()) => format!("{c}\u{a0}{number}"),
            (c, false) => match number.strip_prefix('-') {
                Some(rest) => format!("-{c}{rest}"),
                None => format!("{c}{number}"),
            },
        }
    }

    /// A share as a percentage with one decimal: `24.7%`.
    pub fn percent(&self, share: f64) -> String {
        format!("{}%", self.number(share * 100.0, 1))
    }
}

/// 1234567 -> "1.2M", 12345 -> "12k", 12.5 -> "12.5".
pub fn compact(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if a >= 10.0 || x == x.trunc() {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// `text` cut to at most `max` characters, with "…" and the number of characters left out, for
/// messages that quote values from a file: a damaged file can hold a 10 MB "value".
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((cut, _)) => {
            let left_out = text[cut..].chars().count();
            format!("{}… ({left_out} more characters)", &text[..cut]).into()
        }
    }
}

/// A delimiter as a person types it: `\t` for tab, the character itself otherwise.
pub fn char_name(c: char) -> String {
    match c {
        '\t' => "\\t".to_string(),
        ' ' => "space".to_string(),
        c => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(currency: &str, locale: &str) -> NumberFormat {
        NumberFormat {
            currency: currency.into(),
            locale: locale.into(),
        }
    }

    #[test]
    fn locales() {
        assert_eq!(fmt("£", "en-GB").money(8911407.904, 0), "£8,911,408");
        assert_eq!(fmt("£", "en-GB").money(-12.5, 2), "-£12.50");
        assert_eq!(fmt("€", "de-DE").money(1234.5, 2), "1.234,50\u{a0}€");
        assert_eq!(fmt("VND", "vi-VN").money(524000.0, 0), "524.000\u{a0}VND");
        assert_eq!(fmt("USD", "en-US").money(5.0, 0), "USD\u{a0}5");
        assert_eq!(
            fmt("", "fr-FR").number(1234567.891, 1),
            "1\u{202f}234\u{202f}567,9"
        );
        assert_eq!(fmt("", "en-GB").percent(0.2468), "24.7%");
        assert_eq!(fmt("", "en-GB").count(4338), "4,338");
        assert_eq!(fmt("", "en-GB").number(-0.004, 2), "0.00");
        assert!(fmt("", "xx").check().is_err());
    }

    #[test]
    fn compact_money_fits_a_card() {
        let vnd = fmt("VND", "vi-VN");
        assert_eq!(vnd.money_compact(4_533_440_052.0), "4,53B\u{a0}VND");
        assert_eq!(vnd.money_compact(99_960_000.0), "100M\u{a0}VND");
        assert_eq!(vnd.money_compact(999_600.0), "1,00M\u{a0}VND");
        let gbp = fmt("£", "en-GB");
        assert_eq!(gbp.money_compact(8_911_407.9), "£8.91M");
        assert_eq!(gbp.money_compact(12_345.0), "£12.3k");
        assert_eq!(gbp.money_compact(9_999.0), "£9,999");
        assert_eq!(gbp.money_compact(-2_500_000.0), "-£2.50M");
        assert_eq!(gbp.money_compact(3.2e13), "£32.0T");
        assert_eq!(fmt("", "en-US").money_compact(1.5e9), "1.50B");
    }

    #[test]
    fn shortens_long_values() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 3), "abc… (3 more characters)");
        assert_eq!(shorten("ñññ", 1), "ñ… (2 more characters)");
        assert_eq!(char_name('\t'), "\\t");
    }
}
