//! Date and time parsing for transaction dates.
//!
//! Detects the common layouts (ISO 8601 with or without `T`, `Z`, milliseconds or an offset; US
//! `12/1/2010 8:26` with optional AM/PM; day-first `01.12.2010`; compact `YYYYMMDD`; date-only) and
//! refuses to guess between day-first and month-first: when no value has a day above 12 the column
//! is ambiguous and the caller must say which (`LoadOptions::date_format`). Excel's serial day
//! numbers (`40513.35`, what a date cell becomes when a sheet is saved as CSV without formatting)
//! are read too.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

/// Milliseconds in a day: dates are stored as milliseconds since 1970-01-01 (UTC, no leap
/// seconds), so `ms.div_euclid(MS_PER_DAY)` is the calendar day number.
pub const MS_PER_DAY: i64 = 86_400_000;

/// 1970-01-01, day 0 of the day numbers below.
const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Days from 1970-01-01 to `date` (negative before it): the number `ms.div_euclid(MS_PER_DAY)`
/// gives for a time on that day.
pub fn day_number(date: NaiveDate) -> i64 {
    (date - EPOCH).num_days()
}

/// The date of a day number; the inverse of [`day_number`].
pub fn date_of(day: i64) -> NaiveDate {
    EPOCH + chrono::Duration::days(day)
}

/// How the values of a date column are laid out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DateFormat {
    /// Year first: `2010-12-01 08:26:00`, `2010-12-01T08:26:00.000Z`, `2010/12/01`, `2010-12-01`.
    YearFirst,
    /// Month first (US): `12/1/2010 8:26`, `12/01/2010 08:26:00 AM`.
    MonthFirst,
    /// Day first: `1/12/2010 08:26`, `01.12.2010`, `01-12-2010`.
    DayFirst,
    /// Eight digits `YYYYMMDD`, as in dunnhumby's SHOP_DATE.
    Compact,
    /// Excel's serial day numbers: days since 1899-12-30, the fraction the time of day
    /// (`40513.35` is 2010-12-01 08:24). Serials 1 to 2,958,465 (9999-12-31) are read.
    ExcelSerial,
    /// A chrono `strftime` pattern given by the user, such as `%d/%m/%Y %H:%M`.
    Pattern(String),
}

impl DateFormat {
    /// Interprets a user's `--date-format`: one of the names `iso`, `mdy`, `dmy`, `yyyymmdd`, or a
    /// chrono pattern containing `%`.
    pub fn from_user(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "iso" | "ymd" | "year-first" => Some(DateFormat::YearFirst),
            "mdy" | "us" | "month-first" => Some(DateFormat::MonthFirst),
            "dmy" | "day-first" => Some(DateFormat::DayFirst),
            "yyyymmdd" | "compact" => Some(DateFormat::Compact),
            "excel" | "serial" | "excel-serial" => Some(DateFormat::ExcelSerial),
            _ if text.contains('%') => Some(DateFormat::Pattern(text.to_string())),
            _ => None,
        }
    }

    /// [`DateFormat::from_user`], or an error that lists what is accepted.
    pub fn parse_user(text: &str) -> crate::Result<Self> {
        Self::parse_setting(text, "LoadOptions::date_format")
    }

    /// [`DateFormat::parse_user`] for one of `LoadOptions::other_date_formats`.
    pub fn parse_other(text: &str) -> crate::Result<Self> {
        Self::parse_setting(text, "LoadOptions::other_date_formats")
    }

    fn parse_setting(text: &str, setting: &'static str) -> crate::Result<Self> {
        Self::from_user(text).ok_or_else(|| {
            crate::Error::param(
                setting,
                format!(
                    "\"{}\" is neither a layout name (iso, mdy, dmy, yyyymmdd, excel) nor a \
                     chrono pattern with % fields such as \"%d/%m/%Y %H:%M\"",
                    crate::format::shorten(text, 80)
                ),
            )
        })
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            DateFormat::YearFirst => "year first (ISO 8601)".into(),
            DateFormat::MonthFirst => "month first (M/D/YYYY)".into(),
            DateFormat::DayFirst => "day first (D/M/YYYY)".into(),
            DateFormat::Compact => "YYYYMMDD".into(),
            DateFormat::ExcelSerial => "Excel serial day numbers".into(),
            DateFormat::Pattern(p) => format!("pattern {p}"),
        }
    }

    /// Parses one value to milliseconds since 1970-01-01 (naive local time; values with an offset
    /// are converted to UTC).
    pub fn parse(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        let datetime = match self {
            DateFormat::Pattern(pattern) => parse_pattern(text, pattern)?,
            DateFormat::Compact => parse_compact(text)?,
            DateFormat::ExcelSerial => parse_excel_serial(text)?,
            order => {
                let fields = Fields::scan(text)?;
                let (y, m, d) = match order {
                    DateFormat::YearFirst if fields.a_digits == 4 => (fields.a, fields.b, fields.c),
                    DateFormat::MonthFirst if fields.c_digits == 4 => {
                        (fields.c, fields.a, fields.b)
                    }
                    DateFormat::DayFirst if fields.c_digits == 4 => (fields.c, fields.b, fields.a),
                    _ => return None,
                };
                let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
                let time =
                    NaiveTime::from_hms_milli_opt(fields.h, fields.min, fields.s, fields.ms)?;
                NaiveDateTime::new(date, time) - chrono::Duration::minutes(fields.offset_minutes)
            }
        };
        Some(datetime.and_utc().timestamp_millis())
    }
}

/// `text` read with `main`, else with the first of `others` that reads it.
pub fn parse_with_fallbacks(main: &DateFormat, others: &[DateFormat], text: &str) -> Option<i64> {
    main.parse(text)
        .or_else(|| others.iter().find_map(|format| format.parse(text)))
}

/// Why a column's date format could not be settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetectError {
    /// No value looks like a date.
    NoDates {
        /// A value that was seen, for the message.
        example: Option<String>,
    },
    /// Every value fits both day-first and month-first.
    Ambiguous {
        /// A value that fits both.
        example: String,
    },
    /// Some values need day-first and others month-first.
    Mixed {
        /// A value that only fits day-first.
        day_first: String,
        /// A value that only fits month-first.
        month_first: String,
    },
}

impl DetectError {
    /// A message for the user, with the fix.
    pub fn explain(&self) -> String {
        match self {
            DetectError::NoDates { example: Some(v) } => format!(
                "no value looks like a date (for example \"{}\"); if this is the date column, \
                 set `LoadOptions::date_format` to a chrono pattern that reads it, e.g. \
                 \"%d %b %Y\" for \"01 Dec 2010\"; otherwise set `ColumnRoles::date` to the \
                 column that holds the dates",
                crate::format::shorten(v, 80)
            ),
            DetectError::NoDates { example: None } => {
                "the column is empty: every value is missing".to_string()
            }
            DetectError::Ambiguous { example } => format!(
                "dates such as \"{example}\" are ambiguous: no day is above 12, so they read as \
                 either day/month or month/day. Say which: set `LoadOptions::date_format` to \
                 \"dmy\" or \"mdy\""
            ),
            DetectError::Mixed {
                day_first,
                month_first,
            } => format!(
                "the column mixes day-first (\"{day_first}\") and month-first (\"{month_first}\") \
                 dates; fix the file, or set `LoadOptions::date_format` to the layout most rows \
                 use (\"dmy\" or \"mdy\"): rows in the other layout are then counted as \
                 unparsable dates"
            ),
        }
    }
}

/// How many leading values settle an unambiguous layout (see [`detect`]).
const SAMPLE: usize = 10_000;

/// Detects the layout of a column from its values. Day-first versus month-first is decided on all
/// values (a day above 12 may first appear late in the file); a column whose first 10,000 values
/// are all year-first or all `YYYYMMDD` is settled from those, as those layouts are unambiguous.
pub fn detect<'a>(
    values: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<DateFormat, DetectError> {
    let mut sample = DateEvidence::default();
    let leading = values.clone().into_iter().filter(|v| !v.trim().is_empty());
    for value in leading.take(SAMPLE) {
        sample.add(value);
    }
    if let Some(settled) = sample.settled_by_sample() {
        return Ok(settled);
    }
    let mut evidence = DateEvidence::default();
    for value in values {
        evidence.add(value);
    }
    evidence.decide()
}

/// What one date value says about the column's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateKind {
    /// Empty or blank: says nothing.
    Empty,
    /// `YYYYMMDD`.
    Compact,
    /// Year first (`2010-12-01 08:26`).
    YearFirst,
    /// Year last, and which of day-first and month-first read it.
    YearLast(Order),
    /// An Excel serial day number.
    Serial,
    /// Not a date in any detected layout.
    Other,
}

/// Which orders read a year-last value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Only day-first (the first field is above 12).
    DayFirstOnly,
    /// Only month-first (the second field is above 12).
    MonthFirstOnly,
    /// Both, with different dates.
    Either,
    /// Both, with the same date (day == month), or neither.
    Same,
}

impl DateKind {
    /// Classifies one value.
    pub(crate) fn of(value: &str) -> DateKind {
        let value = value.trim();
        if value.is_empty() {
            return DateKind::Empty;
        }
        if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
            return DateKind::Compact;
        }
        let Some(fields) = Fields::scan(value) else {
            return if parse_excel_serial(value).is_some() {
                DateKind::Serial
            } else {
                DateKind::Other
            };
        };
        if fields.a_digits == 4 {
            return DateKind::YearFirst;
        }
        if fields.c_digits != 4 {
            return DateKind::Other;
        }
        DateKind::YearLast(match (fields.a > 12, fields.b > 12) {
            (true, false) => Order::DayFirstOnly,
            (false, true) => Order::MonthFirstOnly,
            (false, false) if fields.a != fields.b => Order::Either,
            _ => Order::Same,
        })
    }
}

/// What a column's date values say about its layout, gathered value by value or in pieces (the
/// blocks of a file, merged in file order): [`detect`] over all the values at once decides the
/// same as [`DateEvidence::decide`] over the pieces merged. The streaming loader keeps this
/// instead of the values.
#[derive(Debug, Clone, Default)]
pub struct DateEvidence {
    /// Non-empty values counted in the leading runs (at most [`SAMPLE`]).
    led: usize,
    /// How many of the first non-empty values, from the start, are `YYYYMMDD` (at most
    /// [`SAMPLE`]), and how many are year-first.
    leading_compact: usize,
    leading_year_first: usize,
    year_first: usize,
    year_last: usize,
    compact: usize,
    serial: usize,
    first_seen: Option<String>,
    day_first_only: Option<String>,
    month_first_only: Option<String>,
    either: Option<String>,
}

impl DateEvidence {
    /// Adds one value.
    pub fn add(&mut self, value: &str) {
        let kind = DateKind::of(value);
        self.lead(kind);
        self.count(kind, value, 1);
    }

    /// Adds `kind` to the leading runs: call once per value, in order (only the first
    /// [`SAMPLE`] non-empty values matter).
    pub(crate) fn lead(&mut self, kind: DateKind) {
        if kind == DateKind::Empty || self.led >= SAMPLE {
            return;
        }
        let led = self.led;
        if self.leading_compact == led && kind == DateKind::Compact {
            self.leading_compact += 1;
        }
        if self.leading_year_first == led && kind == DateKind::YearFirst {
            self.leading_year_first += 1;
        }
        self.led += 1;
    }

    /// Counts `times` values of `kind`; `value` is one of them (kept as an example when it is the
    /// first of its kind). Call in the values' order of first appearance.
    pub(crate) fn count(&mut self, kind: DateKind, value: &str, times: usize) {
        if kind == DateKind::Empty || times == 0 {
            return;
        }
        let value = value.trim();
        let example = |slot: &mut Option<String>| {
            slot.get_or_insert_with(|| value.to_string());
        };
        example(&mut self.first_seen);
        match kind {
            DateKind::Compact => self.compact += times,
            DateKind::YearFirst => self.year_first += times,
            DateKind::Serial => self.serial += times,
            DateKind::YearLast(order) => {
                self.year_last += times;
                match order {
                    Order::DayFirstOnly => example(&mut self.day_first_only),
                    Order::MonthFirstOnly => example(&mut self.month_first_only),
                    Order::Either => example(&mut self.either),
                    Order::Same => {}
                }
            }
            DateKind::Empty | DateKind::Other => {}
        }
    }

    /// Adds what later values say (the next block of the same column).
    pub fn merge(&mut self, later: DateEvidence) {
        let led = self.led;
        if led < SAMPLE {
            let room = SAMPLE - led;
            if self.leading_compact == led {
                self.leading_compact += later.leading_compact.min(room);
            }
            if self.leading_year_first == led {
                self.leading_year_first += later.leading_year_first.min(room);
            }
            self.led += later.led.min(room);
        }
        self.year_first += later.year_first;
        self.year_last += later.year_last;
        self.compact += later.compact;
        self.serial += later.serial;
        for (slot, value) in [
            (&mut self.first_seen, later.first_seen),
            (&mut self.day_first_only, later.day_first_only),
            (&mut self.month_first_only, later.month_first_only),
            (&mut self.either, later.either),
        ] {
            if slot.is_none() {
                *slot = value;
            }
        }
    }

    /// The layout the first [`SAMPLE`] values settle on their own, if they do.
    fn settled_by_sample(&self) -> Option<DateFormat> {
        if self.led < SAMPLE {
            return None;
        }
        if self.leading_compact == SAMPLE {
            return Some(DateFormat::Compact);
        }
        (self.leading_year_first == SAMPLE).then_some(DateFormat::YearFirst)
    }

    /// The layout the values seen so far settle on.
    pub fn decide(&self) -> Result<DateFormat, DetectError> {
        if let Some(settled) = self.settled_by_sample() {
            return Ok(settled);
        }
        let best = self
            .year_first
            .max(self.year_last)
            .max(self.compact)
            .max(self.serial);
        if best == 0 {
            return Err(DetectError::NoDates {
                example: self.first_seen.clone(),
            });
        }
        if best == self.year_first {
            return Ok(DateFormat::YearFirst);
        }
        if best == self.compact {
            return Ok(DateFormat::Compact);
        }
        if best == self.serial {
            return Ok(DateFormat::ExcelSerial);
        }
        match (&self.day_first_only, &self.month_first_only) {
            (Some(d), Some(m)) => Err(DetectError::Mixed {
                day_first: d.clone(),
                month_first: m.clone(),
            }),
            (Some(_), None) => Ok(DateFormat::DayFirst),
            (None, Some(_)) => Ok(DateFormat::MonthFirst),
            // Every value has day == month (e.g. 1/1/2011): both readings agree.
            (None, None) if self.either.is_none() => Ok(DateFormat::MonthFirst),
            (None, None) => Err(DetectError::Ambiguous {
                example: self.either.clone().unwrap_or_default(),
            }),
        }
    }
}

/// The numeric fields of `A<sep>B<sep>C[( |T)H:M[:S[.fff]]][ AM|PM][Z|±HH[:MM]]`.
#[derive(Debug, Default)]
struct Fields {
    a: u32,
    a_digits: usize,
    b: u32,
    c: u32,
    c_digits: usize,
    h: u32,
    min: u32,
    s: u32,
    ms: u32,
    offset_minutes: i64,
}

impl Fields {
    fn scan(text: &str) -> Option<Fields> {
        let mut cur = Cursor {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let mut f = Fields::default();
        (f.a, f.a_digits) = cur.number(4)?;
        let sep = cur.one_of(b"-/.")?;
        (f.b, _) = cur.number(2)?;
        cur.expect(sep)?;
        (f.c, f.c_digits) = cur.number(4)?;
        if cur.done() {
            return Some(f);
        }
        cur.one_of(b"T ")?;
        cur.skip_spaces();
        (f.h, _) = cur.number(2)?;
        cur.expect(b':')?;
        (f.min, _) = cur.number(2)?;
        if cur.peek() == Some(b':') {
            cur.pos += 1;
            (f.s, _) = cur.number(2)?;
            if cur.peek() == Some(b'.') || cur.peek() == Some(b',') {
                cur.pos += 1;
                let (frac, digits) = cur.number(9)?;
                f.ms = match digits {
                    1 => frac * 100,
                    2 => frac * 10,
                    3 => frac,
                    n => frac / 10u32.pow(n as u32 - 3),
                };
            }
        }
        cur.skip_spaces();
        // Bytes, not text: the two bytes after the time may split a multi-byte character.
        let rest = text.as_bytes().get(cur.pos..).unwrap_or_default();
        let marker = rest.get(..2).unwrap_or_default();
        if marker.eq_ignore_ascii_case(b"am") || marker.eq_ignore_ascii_case(b"pm") {
            let pm = marker.eq_ignore_ascii_case(b"pm");
            if f.h == 0 || f.h > 12 {
                return None;
            }
            f.h = match (pm, f.h) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
            cur.pos += 2;
        }
        match cur.peek() {
            None => {}
            Some(b'Z') | Some(b'z') => {
                cur.pos += 1;
            }
            Some(sign @ (b'+' | b'-')) => {
                cur.pos += 1;
                let (hh, _) = cur.number(2)?;
                if cur.peek() == Some(b':') {
                    cur.pos += 1;
                }
                let mm = if cur.done() { 0 } else { cur.number(2)?.0 };
                let minutes = i64::from(hh * 60 + mm);
                f.offset_minutes = if sign == b'+' { minutes } else { -minutes };
            }
            Some(_) => return None,
        }
        cur.done().then_some(f)
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    fn number(&mut self, max_digits: usize) -> Option<(u32, usize)> {
        let start = self.pos;
        let mut value = 0u32;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            if self.pos - start == max_digits {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
            self.pos += 1;
        }
        let digits = self.pos - start;
        (digits > 0).then_some((value, digits))
    }
    fn one_of(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.pos += 1;
        Some(b)
    }
    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.peek() == Some(wanted)).then(|| self.pos += 1)
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }
}

/// An Excel serial day number: whole days since 1899-12-30 (Excel's day 60, the 1900-02-29 that
/// never was, lands on 1900-02-28 + 1 as in every later date), the fraction the time of day, to
/// the millisecond.
fn parse_excel_serial(text: &str) -> Option<NaiveDateTime> {
    const LAST_SERIAL: f64 = 2_958_465.0; // 9999-12-31
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let serial: f64 = text.parse().ok()?;
    if !(1.0..LAST_SERIAL + 1.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let millis = (serial * 86_400_000.0).round() as i64;
    epoch.checked_add_signed(chrono::Duration::milliseconds(millis))
}

fn parse_compact(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y = text[..4].parse().ok()?;
    let m = text[4..6].parse().ok()?;
    let d = text[6..].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(0, 0, 0)
}

fn parse_pattern(text: &str, pattern: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, pattern)
        .ok()
        .or_else(|| {
            DateTime::parse_from_str(text, pattern)
                .ok()
                .map(|d| d.naive_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, pattern)
                .ok()?
                .and_hms_opt(0, 0, 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_byte_character_after_the_time_is_no_panic() {
        assert_eq!(DateFormat::YearFirst.parse("2024-01-01 10:00 ÿ"), None);
        assert_eq!(
            DateFormat::YearFirst.parse("2024-01-01 10:00 \u{e9}m"),
            None
        );
        assert!(DateFormat::MonthFirst.parse("1/2/2024 10:00 PM").is_some());
    }

    fn ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn parses_iso_variants() {
        let f = DateFormat::YearFirst;
        let expected = ymd_hms(2010, 12, 1, 8, 26, 0);
        assert_eq!(f.parse("2010-12-01 08:26:00"), Some(expected));
        assert_eq!(f.parse("2010-12-01T08:26:00"), Some(expected));
        assert_eq!(f.parse("2010-12-01T08:26:00Z"), Some(expected));
        assert_eq!(f.parse("2010-12-01T08:26:00.000Z"), Some(expected));
        assert_eq!(f.parse("2010-12-01 08:26"), Some(expected));
        assert_eq!(f.parse("2010-12-01T10:26:00+02:00"), Some(expected));
        assert_eq!(f.parse("2010-12-01T08:26:00.250Z"), Some(expected + 250));
        assert_eq!(f.parse("2010-12-01"), Some(ymd_hms(2010, 12, 1, 0, 0, 0)));
        assert_eq!(f.parse("2010/12/01"), Some(ymd_hms(2010, 12, 1, 0, 0, 0)));
        assert_eq!(f.parse("2010-13-01"), None);
        assert_eq!(f.parse("2010-12-01 08:26:00 trailing"), None);
    }

    #[test]
    fn parses_us_and_day_first() {
        assert_eq!(
            DateFormat::MonthFirst.parse("12/1/2010 8:26"),
            Some(ymd_hms(2010, 12, 1, 8, 26, 0))
        );
        assert_eq!(
            DateFormat::MonthFirst.parse("12/01/2010 08:26:00 PM"),
            Some(ymd_hms(2010, 12, 1, 20, 26, 0))
        );
        assert_eq!(
            DateFormat::MonthFirst.parse("1/5/2011 12:05 AM"),
            Some(ymd_hms(2011, 1, 5, 0, 5, 0))
        );
        assert_eq!(
            DateFormat::DayFirst.parse("01.12.2010"),
            Some(ymd_hms(2010, 12, 1, 0, 0, 0))
        );
        assert_eq!(
            DateFormat::DayFirst.parse("13/1/2011 9:00"),
            Some(ymd_hms(2011, 1, 13, 9, 0, 0))
        );
        assert_eq!(DateFormat::MonthFirst.parse("13/1/2011 9:00"), None);
        assert_eq!(
            DateFormat::Compact.parse("20110105"),
            Some(ymd_hms(2011, 1, 5, 0, 0, 0))
        );
        assert_eq!(
            DateFormat::Pattern("%d %b %Y".into()).parse("5 Jan 2011"),
            Some(ymd_hms(2011, 1, 5, 0, 0, 0))
        );
    }

    #[test]
    fn detects_layouts_from_all_values() {
        assert_eq!(
            detect(["2010-12-01 08:26:00", "x"]),
            Ok(DateFormat::YearFirst)
        );
        assert_eq!(
            detect(["12/1/2010 8:26", "12/13/2010 9:00"]),
            Ok(DateFormat::MonthFirst)
        );
        assert_eq!(
            detect(["1/12/2010", "13/12/2010"]),
            Ok(DateFormat::DayFirst)
        );
        assert_eq!(detect(["20110105", "20110106"]), Ok(DateFormat::Compact));
        assert_eq!(detect(["1/1/2011"]), Ok(DateFormat::MonthFirst));
        assert_eq!(
            detect(["1/2/2011", "3/4/2011"]),
            Err(DetectError::Ambiguous {
                example: "1/2/2011".into()
            })
        );
        assert!(matches!(
            detect(["13/1/2011", "1/13/2011"]),
            Err(DetectError::Mixed { .. })
        ));
        assert!(matches!(
            detect(["", "hello"]),
            Err(DetectError::NoDates { .. })
        ));
        assert!(matches!(
            detect(Vec::<&str>::new()),
            Err(DetectError::NoDates { example: None })
        ));
    }

    #[test]
    fn user_formats() {
        assert_eq!(DateFormat::from_user("dmy"), Some(DateFormat::DayFirst));
        assert_eq!(
            DateFormat::from_user("%Y%m%d"),
            Some(DateFormat::Pattern("%Y%m%d".into()))
        );
        assert_eq!(DateFormat::from_user("whatever"), None);
    }
}
