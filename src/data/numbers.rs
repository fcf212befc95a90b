//! Parsing numbers written by spreadsheets in different locales.

/// How a lone comma in a number reads: `1,234` is 1.234 in a European export (semicolon- or
/// tab-delimited, decimal comma) but 1234 in a comma-delimited file, whose numbers with commas are
/// quoted and can only be using the comma to group thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommaReading {
    /// A single comma is a decimal comma (`1,234` is 1.234, `2,55` is 2.55).
    DecimalComma,
    /// A comma followed by exactly three digits groups thousands (`1,234` is 1234, `1,000,000`
    /// is a million); any other comma is still a decimal comma (`2,55` is 2.55).
    Thousands,
}

impl CommaReading {
    /// The reading for a file with this delimiter: comma-delimited files group thousands.
    pub fn for_delimiter(delimiter: u8) -> Self {
        if delimiter == b',' {
            CommaReading::Thousands
        } else {
            CommaReading::DecimalComma
        }
    }
}

/// Parses `1234.5`, `1,234.50`, `1.234,50`, `1234,5` (decimal comma), `£12.00`-free plain numbers,
/// and `(12.5)` accounting negatives. Returns `None` for anything else, including empty text.
///
/// When both `,` and `.` appear, the later one is the decimal separator; a single `,` is a decimal
/// comma (`1,234` is 1.234, as a semicolon-delimited European export means it; see
/// [`parse_number_with`] for comma-delimited files); several `,` are thousands separators.
///
/// ```
/// use custseg::data::numbers::parse_number;
/// assert_eq!(parse_number("2,55"), Some(2.55));
/// assert_eq!(parse_number("1.234,50"), Some(1234.5));
/// assert_eq!(parse_number("-3"), Some(-3.0));
/// assert_eq!(parse_number("abc"), None);
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    parse_number_with(text, CommaReading::DecimalComma)
}

/// [`parse_number`] with a chosen reading of a lone comma.
///
/// ```
/// use custseg::data::numbers::{CommaReading, parse_number_with};
/// assert_eq!(parse_number_with("1,000", CommaReading::Thousands), Some(1000.0));
/// assert_eq!(parse_number_with("1,234", CommaReading::DecimalComma), Some(1.234));
/// assert_eq!(parse_number_with("2,55", CommaReading::Thousands), Some(2.55));
/// ```
pub fn parse_number_with(text: &str, commas: CommaReading) -> Option<f64> {
    let text = text.trim();
    if let Ok(value) = text.parse::<f64>() {
        return value.is_finite().then_some(value);
    }
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return parse_number_with(inner, commas).map(|v| -v);
    }
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.,' ".contains(&b))
    {
        return None;
    }
    let last_comma = text.rfind(',');
    let last_dot = text.rfind('.');
    let cleaned: String = match (last_comma, last_dot) {
        (Some(c), Some(d)) if c > d => text
            .chars()
            .filter(|&ch| ch != '.' && ch != ' ' && ch != '\'')
            .map(|ch| if ch == ',' { '.' } else { ch })
            .collect(),
        (Some(_), Some(_)) => text
            .chars()
            .filter(|&ch| ch != ',' && ch != ' ' && ch != '\'')
            .collect(),
        (Some(c), None) => {
            let groups_thousands = commas == CommaReading::Thousands
                && text.len() - c == 4
                && text[c + 1..].bytes().all(|b| b.is_ascii_digit());
            if text.matches(',').count() > 1 || groups_thousands {
                text.chars()
                    .filter(|&ch| ch != ',' && ch != ' ' && ch != '\'')
                    .collect()
            } else {
                text.replace(',', ".").replace([' ', '\''], "")
            }
        }
        (None, _) => text.chars().filter(|&ch| ch != ' ' && ch != '\'').collect(),
    };
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// What a number field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Value(f64),
    Missing,
    Unparsable,
}

/// Reads a number field of a transaction file, the one rule both loading paths follow: plain
/// numbers as polars' CSV cast reads them (the same `fast_float2` parser, on the raw text), then
/// [`parse_number`] on the trimmed text for locale forms; blank text is missing.
#[inline]
pub(crate) fn read_number(raw: &str, commas: CommaReading) -> Number {
    if let Some(value) = plain_decimal(raw.as_bytes()) {
        return Number::Value(value);
    }
    if let Ok(value) = fast_float2::parse::<f64, _>(raw.as_bytes())
        && value.is_finite()
    {
        return Number::Value(value);
    }
    let text = raw.trim();
    if text.is_empty() {
        return Number::Missing;
    }
    match parse_number_with(text, commas) {
        Some(value) => Number::Value(value),
        None => Number::Unparsable,
    }
}

/// `-?digits(.digits)?` with at most 15 digits in all, the way most quantities and prices are
/// written, without the general parser: the digits make an integer below 2^53 and the decimals a
/// power of ten up to 10^15, both exact in an `f64`, so one division gives the correctly rounded
/// value, the same one fast_float2 finds (Clinger's fast path).
#[inline]
fn plain_decimal(bytes: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let (whole, decimals) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &[][..]),
    };
    if whole.is_empty()
        || (decimals.is_empty() && digits.len() != whole.len())
        || whole.len() + decimals.len() > 15
    {
        return None;
    }
    let mut mantissa = 0u64;
    for &b in whole.iter().chain(decimals) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + u64::from(b - b'0');
    }
    let value = mantissa as f64 / POWERS[decimals.len()];
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::{parse_number, plain_decimal};

    #[test]
    fn locales() {
        assert_eq!(parse_number("1234.5"), Some(1234.5));
        assert_eq!(parse_number(" 7 "), Some(7.0));
        assert_eq!(parse_number("1,234.50"), Some(1234.5));
        assert_eq!(parse_number("1.234,50"), Some(1234.5));
        assert_eq!(parse_number("2,55"), Some(2.55));
        assert_eq!(parse_number("1,234,567"), Some(1234567.0));
        assert_eq!(parse_number("1 234,5"), Some(1234.5));
        assert_eq!(parse_number("(12.5)"), Some(-12.5));
        assert_eq!(parse_number("-0.5"), Some(-0.5));
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("12abc"), None);
    }

    proptest::proptest! {
        #[test]
        fn plain_decimals_parse_as_fast_float2_does(
            negative in proptest::prelude::any::<bool>(),
            whole in "[0-9]{1,9}",
            decimals in proptest::option::of("[0-9]{0,8}"),
        ) {
            let text = format!(
                "{}{whole}{}",
                if negative { "-" } else { "" },
                decimals.map(|d| format!(".{d}")).unwrap_or_default()
            );
            let expected: Option<f64> = fast_float2::parse(text.as_bytes()).ok();
            let got = plain_decimal(text.as_bytes());
            if let Some(got) = got {
                proptest::prop_assert_eq!(Some(got.to_bits()), expected.map(f64::to_bits), "{}", text);
            }
        }
    }

    #[test]
    fn plain_decimals_leave_other_forms_to_the_general_parser() {
        for text in [
            "",
            "-",
            ".5",
            "5.",
            "+1",
            "1e3",
            "1.2.3",
            "1,5",
            " 1",
            "1234567890123456",
        ] {
            assert_eq!(plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert_eq!(
            plain_decimal(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(plain_decimal(b"2.55"), Some(2.55));
        assert_eq!(plain_decimal(b"007.50"), Some(7.5));
    }
}
