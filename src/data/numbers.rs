//! Parsing numbers written by spreadsheets in different locales.

/// Parses `1234.5`, `1,234.50`, `1.234,50`, `1234,5` (decimal comma), `£12.00`-free plain numbers,
/// and `(12.5)` accounting negatives. Returns `None` for anything else, including empty text.
///
/// When both `,` and `.` appear, the later one is the decimal separator; a single `,` is a decimal
/// comma (`1,234` is 1.234, as a semicolon-delimited European export means it); several `,` are
/// thousands separators.
///
/// ```
/// use custseg::data::numbers::parse_number;
/// assert_eq!(parse_number("2,55"), Some(2.55));
/// assert_eq!(parse_number("1.234,50"), Some(1234.5));
/// assert_eq!(parse_number("-3"), Some(-3.0));
/// assert_eq!(parse_number("abc"), None);
/// ```
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(value) = text.parse::<f64>() {
        return value.is_finite().then_some(value);
    }
    if let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        return parse_number(inner).map(|v| -v);
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
        (Some(_), None) => {
            if text.matches(',').count() > 1 {
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

#[cfg(test)]
mod tests {
    use super::parse_number;

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
}
