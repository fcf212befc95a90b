//! Segment maps: from R, F and M scores to a named segment.
//!
//! A map is an ordered list of rules; a customer gets the first rule that matches, and "Other" when
//! none does. A rule holds inclusive score ranges on R, F and M, a regular expression matched
//! against the RFM code (`"545"`) and/or a list of codes. Four maps come with custseg:
//!
//! * [`SegmentMap::table`], the 11-segment table of the studies (Champions ... Lost), written as
//!   ordered rules that cover all 125 codes of 5-level scores;
//! * [`SegmentMap::code_list`], study 1's "segmentation file": the same 11 segments given as the
//!   list of the 125 codes each one holds;
//! * [`SegmentMap::rf_regex`], the widely used 10-segment map on the R and F scores only;
//! * a user's map from TOML ([`SegmentMap::from_toml_str`]):
//!
//! ```toml
//! name = "Our segments"
//! [[segment]]
//! name = "VIP"
//! r = [4, 5]          # inclusive range of the R score
//! f = [4, 5]
//! m = [3, 5]
//! [[segment]]
//! name = "Sleeping"
//! pattern = "^[12]"   # regex on the RFM code, e.g. "215"
//! [[segment]]
//! name = "Promising"
//! codes = ["525", "524", "425"]   # exactly these RFM codes
//! ```

use std::path::Path;

use regex::Regex;

use crate::error::{Error, Result};

/// The segment given to customers no rule covers.
pub const OTHER: &str = "Other";

/// One rule of a segment map.
#[derive(Debug, Clone)]
pub struct SegmentRule {
    /// The segment's name.
    pub name: String,
    /// Inclusive range of R scores, or any.
    pub r: Option<(u32, u32)>,
    /// Inclusive range of F scores, or any.
    pub f: Option<(u32, u32)>,
    /// Inclusive range of M scores, or any.
    pub m: Option<(u32, u32)>,
    /// Regular expression the RFM code must match, or any.
    pub pattern: Option<Regex>,
    /// The RFM codes the rule covers (sorted), or any.
    pub codes: Option<Vec<String>>,
}

impl SegmentRule {
    fn ranges(name: &str, r: (u32, u32), f: (u32, u32), m: (u32, u32)) -> Self {
        SegmentRule {
            name: name.to_string(),
            r: Some(r),
            f: Some(f),
            m: Some(m),
            pattern: None,
            codes: None,
        }
    }

    fn codes(name: &str, codes: &str) -> Self {
        let mut codes: Vec<String> = codes.split_whitespace().map(str::to_string).collect();
        codes.sort();
        SegmentRule {
            name: name.to_string(),
            r: None,
            f: None,
            m: None,
            pattern: None,
            codes: Some(codes),
        }
    }

    /// Whether the rule covers the scores (and their code).
    pub fn matches(&self, r: u32, f: u32, m: u32, code: &str) -> bool {
        let within =
            |range: Option<(u32, u32)>, v: u32| range.is_none_or(|(lo, hi)| lo <= v && v <= hi);
        within(self.r, r)
            && within(self.f, f)
            && within(self.m, m)
            && self.pattern.as_ref().is_none_or(|p| p.is_match(code))
            && self
                .codes
                .as_ref()
                .is_none_or(|codes| codes.binary_search_by(|c| c.as_str().cmp(code)).is_ok())
    }
}

/// An ordered list of segment rules, first match wins.
#[derive(Debug, Clone)]
pub struct SegmentMap {
    /// A name for reports.
    pub name: String,
    /// The score levels the map is written for (5 for the built-in maps).
    pub levels: u32,
    /// The rules, in priority order.
    pub rules: Vec<SegmentRule>,
}

/// The RFM code of three scores: `"545"`, or `"10-5-10"` when scores can exceed 9.
pub fn rfm_code(r: u32, f: u32, m: u32, levels: u32) -> String {
    if levels <= 9 {
        format!("{r}{f}{m}")
    } else {
        format!("{r}-{f}-{m}")
    }
}

/// Which codes a map leaves to "Other", and which rules never win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Codes no rule covers, in order.
    pub uncovered: Vec<String>,
    /// Rules that match no code before an earlier rule does.
    pub unreachable: Vec<String>,
}

impl SegmentMap {
    /// The 11-segment table (Champions, Loyal Customers, Potential Loyalist, New Customers,
    /// Promising, Need Attention, About To Sleep, At Risk, Can't Lose Them, Hibernating, Lost), in
    /// this priority order (ranges are inclusive, on 5-level scores):
    ///
    /// | # | segment | R | F | M |
    /// |---|---|---|---|---|
    /// | 1 | Champions | 4-5 | 4-5 | 4-5 |
    /// | 2 | Loyal Customers | 3-5 | 3-5 | 3-5 |
    /// | 3 | Can't Lose Them | 1 | 4-5 | 4-5 |
    /// | 4 | At Risk | 1-2 | 3-5 | 3-5 |
    /// | 5 | New Customers | 5 | 1 | 1-5 |
    /// | 6 | Promising | 4 | 1 | 1-5 |
    /// | 7 | Potential Loyalist | 4-5 | 1-5 | 1-5 |
    /// | 8 | Need Attention | 3 | 2-5 | 2-5 |
    /// | 9 | About To Sleep | 3 | 1-5 | 1-5 |
    /// | 10 | Lost | 1 | 1-2 | 1-2 |
    /// | 11 | Hibernating | 1-2 | 1-5 | 1-5 |
    ///
    /// Every one of the 125 codes is covered and every segment is reachable (tested). Overlaps are
    /// intended: e.g. 5-1-5 fits New Customers and Potential Loyalist and is a New Customer because
    /// that rule comes first.
    pub fn table() -> Self {
        let rule = SegmentRule::ranges;
        SegmentMap {
            name: "11-segment table".to_string(),
            levels: 5,
            rules: vec![
                rule("Champions", (4, 5), (4, 5), (4, 5)),
                rule("Loyal Customers", (3, 5), (3, 5), (3, 5)),
                rule("Can't Lose Them", (1, 1), (4, 5), (4, 5)),
                rule("At Risk", (1, 2), (3, 5), (3, 5)),
                rule("New Customers", (5, 5), (1, 1), (1, 5)),
                rule("Promising", (4, 4), (1, 1), (1, 5)),
                rule("Potential Loyalist", (4, 5), (1, 5), (1, 5)),
                rule("Need Attention", (3, 3), (2, 5), (2, 5)),
                rule("About To Sleep", (3, 3), (1, 5), (1, 5)),
                rule("Lost", (1, 1), (1, 2), (1, 2)),
                rule("Hibernating", (1, 2), (1, 5), (1, 5)),
            ],
        }
    }

    /// Study 1's segmentation file: the 11 segments of the study (names as it wrote them) as the
    /// list of 5-level RFM codes each holds. The study's own file is lost; this is the widely
    /// circulated table with exactly its names, which lists every one of the 125 codes once:
    ///
    /// | segment | codes |
    /// |---|---|
    /// | Champions | 555 554 544 545 454 455 445 |
    /// | Loyal | 543 444 435 355 354 345 344 335 |
    /// | Potential Loyalist | 553 551 552 541 542 533 532 531 452 451 442 441 431 453 433 432 423 353 352 351 342 341 333 323 |
    /// | New Customers | 512 511 422 421 412 411 311 |
    /// | Promising | 525 524 523 522 521 515 514 513 425 424 413 414 415 315 314 313 |
    /// | Need Attention | 535 534 443 434 343 334 325 324 |
    /// | About To Sleep | 331 321 312 221 213 231 241 251 |
    /// | At Risk | 255 254 245 244 253 252 243 242 235 234 225 224 153 152 145 143 142 135 134 133 125 124 |
    /// | Cannot Lose Them | 155 154 144 214 215 115 114 113 |
    /// | Hibernating customers | 332 322 233 232 223 222 132 123 122 212 211 |
    /// | Lost customers | 111 112 121 131 141 151 |
    ///
    /// Unlike [`SegmentMap::table`], it makes Hibernating customers, not Loyal, the second
    /// largest group on the bundled data, as the study found.
    ///
    /// ```
    /// use custseg::rfm::SegmentMap;
    /// let map = SegmentMap::code_list();
    /// assert_eq!(map.assign(5, 5, 4), "Champions");
    /// assert_eq!(map.assign(3, 3, 2), "Hibernating customers");
    /// assert!(map.coverage().uncovered.is_empty());
    /// ```
    pub fn code_list() -> Self {
        let rule = SegmentRule::codes;
        SegmentMap {
            name: "11-segment code list (study 1)".to_string(),
            levels: 5,
            rules: vec![
                rule("Champions", "555 554 544 545 454 455 445"),
                rule("Loyal", "543 444 435 355 354 345 344 335"),
                rule(
                    "Potential Loyalist",
                    "553 551 552 541 542 533 532 531 452 451 442 441 431 453 433 432 423 353 \
                     352 351 342 341 333 323",
                ),
                rule("New Customers", "512 511 422 421 412 411 311"),
                rule(
                    "Promising",
                    "525 524 523 522 521 515 514 513 425 424 413 414 415 315 314 313",
                ),
                rule("Need Attention", "535 534 443 434 343 334 325 324"),
                rule("About To Sleep", "331 321 312 221 213 231 241 251"),
                rule(
                    "At Risk",
                    "255 254 245 244 253 252 243 242 235 234 225 224 153 152 145 143 142 135 \
                     134 133 125 124",
                ),
                rule("Cannot Lose Them", "155 154 144 214 215 115 114 113"),
                rule(
                    "Hibernating customers",
                    "332 322 233 232 223 222 132 123 122 212 211",
                ),
                rule("Lost customers", "111 112 121 131 141 151"),
            ],
        }
    }

    /// The 10-segment map on the RF code, as in the widely shared pandas recipe:
    /// `[1-2][1-2]` Hibernating, `[1-2][3-4]` At Risk, `[1-2]5` Can't Lose Them, `3[1-2]` About To
    /// Sleep, `33` Need Attention, `[3-4][4-5]` Loyal Customers, `41` Promising, `51` New Customers,
    /// `[4-5][2-3]` Potential Loyalists, `5[4-5]` Champions. The patterns do not overlap and cover
    /// all 25 RF codes.
    pub fn rf_regex() -> Self {
        let patterns = [
            ("Hibernating", "[1-2][1-2]"),
            ("At Risk", "[1-2][3-4]"),
            ("Can't Lose Them", "[1-2]5"),
            ("About To Sleep", "3[1-2]"),
            ("Need Attention", "33"),
            ("Loyal Customers", "[3-4][4-5]"),
            ("Promising", "41"),
            ("New Customers", "51"),
            ("Potential Loyalists", "[4-5][2-3]"),
            ("Champions", "5[4-5]"),
        ];
        SegmentMap {
            name: "RF regex map".to_string(),
            levels: 5,
            rules: patterns
                .iter()
                .map(|(name, pattern)| SegmentRule {
                    name: name.to_string(),
                    r: None,
                    f: None,
                    m: None,
                    // Anchored on the first two characters of the code: R and F.
                    pattern: Regex::new(&format!("^{pattern}")).ok(),
                    codes: None,
                })
                .collect(),
        }
    }

    /// The map a command line or study file names: `table`, `code-list`, `rf-regex`, or the path
    /// of a TOML map.
    pub fn named(spec: &str) -> Result<Self> {
        match spec {
            "table" => Ok(SegmentMap::table()),
            "code-list" => Ok(SegmentMap::code_list()),
            "rf-regex" => Ok(SegmentMap::rf_regex()),
            path if Path::new(path).is_file() => SegmentMap::from_toml_file(Path::new(path)),
            other => Err(Error::param(
                "RfmParams::segments",
                format!(
                    "\"{}\" is neither a built-in segment map nor a TOML file that exists. The \
                     built-in maps are: {}; or give the path of a map written in TOML.",
                    crate::format::shorten(other, 200),
                    Self::BUILT_IN.join(", ")
                ),
            )),
        }
    }

    /// The names [`SegmentMap::named`] knows without a file.
    pub const BUILT_IN: [&'static str; 3] = ["table", "code-list", "rf-regex"];

    /// Reads a user's map from a TOML file.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text, path)
    }

    /// Parses a user's map; `path` names the source in errors. See the module docs for the format.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            name: Option<String>,
            levels: Option<u32>,
            segment: Vec<Rule>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Rule {
            name: String,
            r: Option<[u32; 2]>,
            f: Option<[u32; 2]>,
            m: Option<[u32; 2]>,
            pattern: Option<String>,
            codes: Option<Vec<String>>,
        }
        let config = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let file: File =
            toml::from_str(text).map_err(|e| config(format!("not a valid segment map: {e}")))?;
        let levels = file.levels.unwrap_or(5);
        if !(2..=99).contains(&levels) {
            return Err(config(format!(
                "levels must be between 2 and 99, got {levels}"
            )));
        }
        if file.segment.is_empty() {
            return Err(config("the map has no [[segment]] entries".to_string()));
        }
        let mut rules = Vec::new();
        for (i, rule) in file.segment.into_iter().enumerate() {
            let at = format!("segment {} (\"{}\")", i + 1, rule.name);
            if rule.name.trim().is_empty() {
                return Err(config(format!("segment {} has an empty name", i + 1)));
            }
            let range = |axis: &str, value: Option<[u32; 2]>| -> Result<Option<(u32, u32)>> {
                match value {
                    None => Ok(None),
                    Some([lo, hi]) if 1 <= lo && lo <= hi && hi <= levels => Ok(Some((lo, hi))),
                    Some([lo, hi]) => Err(config(format!(
                        "{at}: {axis} = [{lo}, {hi}] is not a range within 1..={levels} (write [low, high])"
                    ))),
                }
            };
            let pattern = match &rule.pattern {
                Some(p) => {
                    Some(Regex::new(p).map_err(|e| config(format!("{at}: bad pattern: {e}")))?)
                }
                None => None,
            };
            let codes = match rule.codes {
                Some(codes) => Some(checked_codes(codes, levels, &at).map_err(config)?),
                None => None,
            };
            let parsed = SegmentRule {
                r: range("r", rule.r)?,
                f: range("f", rule.f)?,
                m: range("m", rule.m)?,
                pattern,
                codes,
                name: rule.name,
            };
            if parsed.r.is_none()
                && parsed.f.is_none()
                && parsed.m.is_none()
                && parsed.pattern.is_none()
                && parsed.codes.is_none()
            {
                return Err(config(format!(
                    "{at}: give at least one of r, f, m, pattern or codes"
                )));
            }
            rules.push(parsed);
        }
        Ok(SegmentMap {
            name: file.name.unwrap_or_else(|| path.display().to_string()),
            levels,
            rules,
        })
    }

    /// The segment of one customer.
    pub fn assign(&self, r: u32, f: u32, m: u32) -> &str {
        let code = rfm_code(r, f, m, self.levels);
        self.rules
            .iter()
            .find(|rule| rule.matches(r, f, m, &code))
            .map_or(OTHER, |rule| rule.name.as_str())
    }

    /// The segment names in priority order, then [`OTHER`].
    pub fn segment_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for rule in &self.rules {
            if !names.contains(&rule.name) {
                names.push(rule.name.clone());
            }
        }
        names.push(OTHER.to_string());
        names
    }

    /// Checks every code of `levels`-level scores: which fall to "Other" and which rules never win.
    pub fn coverage(&self) -> Coverage {
        let mut uncovered = Vec::new();
        let mut wins = vec![false; self.rules.len()];
        for r in 1..=self.levels {
            for f in 1..=self.levels {
                for m in 1..=self.levels {
                    let code = rfm_code(r, f, m, self.levels);
                    match self
                        .rules
                        .iter()
                        .position(|rule| rule.matches(r, f, m, &code))
                    {
                        Some(i) => wins[i] = true,
                        None => uncovered.push(code),
                    }
                }
            }
        }
        let unreachable = self
            .rules
            .iter()
            .zip(wins)
            .filter(|(_, won)| !won)
            .map(|(rule, _)| rule.name.clone())
            .collect();
        Coverage {
            uncovered,
            unreachable,
        }
    }
}

/// A TOML rule's code list, sorted: every entry must be the code of scores within 1..=levels,
/// written as [`rfm_code`] writes it ("545", or "10-5-10" above 9 levels).
fn checked_codes(
    mut codes: Vec<String>,
    levels: u32,
    at: &str,
) -> std::result::Result<Vec<String>, String> {
    if codes.is_empty() {
        return Err(format!("{at}: codes is empty"));
    }
    let valid = |code: &str| {
        let scores: Vec<u32> = if levels <= 9 {
            code.chars().filter_map(|c| c.to_digit(10)).collect()
        } else {
            code.split('-').filter_map(|s| s.parse().ok()).collect()
        };
        scores.len() == 3
            && scores.iter().all(|s| (1..=levels).contains(s))
            && rfm_code(scores[0], scores[1], scores[2], levels) == code
    };
    if let Some(bad) = codes.iter().find(|c| !valid(c)) {
        let form = if levels <= 9 {
            "\"545\""
        } else {
            "\"10-5-10\""
        };
        return Err(format!(
            "{at}: \"{}\" is not an RFM code of scores 1 to {levels} (write them like {form}, as strings)",
            crate::format::shorten(bad, 40)
        ));
    }
    codes.sort();
    codes.dedup();
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_code_and_reaches_every_segment() {
        let map = SegmentMap::table();
        assert_eq!(
            map.coverage(),
            Coverage {
                uncovered: vec![],
                unreachable: vec![]
            }
        );
        assert_eq!(map.segment_names().len(), 12);
        assert_eq!(map.assign(5, 5, 5), "Champions");
        assert_eq!(map.assign(5, 1, 5), "New Customers");
        assert_eq!(map.assign(4, 2, 1), "Potential Loyalist");
        assert_eq!(map.assign(1, 5, 5), "Can't Lose Them");
        assert_eq!(map.assign(2, 4, 5), "At Risk");
        assert_eq!(map.assign(3, 3, 2), "Need Attention");
        assert_eq!(map.assign(3, 1, 5), "About To Sleep");
        assert_eq!(map.assign(1, 1, 2), "Lost");
        assert_eq!(map.assign(1, 3, 1), "Hibernating");
    }

    #[test]
    fn code_list_holds_each_code_once_with_the_study_counts() {
        let map = SegmentMap::code_list();
        assert_eq!(
            map.coverage(),
            Coverage {
                uncovered: vec![],
                unreachable: vec![]
            }
        );
        // Every code in exactly one list: the lists' sizes add up to 125 and cover them all.
        let sizes: Vec<(String, usize)> = map
            .rules
            .iter()
            .map(|r| (r.name.clone(), r.codes.as_ref().map_or(0, Vec::len)))
            .collect();
        let expected = [
            ("Champions", 7),
            ("Loyal", 8),
            ("Potential Loyalist", 24),
            ("New Customers", 7),
            ("Promising", 16),
            ("Need Attention", 8),
            ("About To Sleep", 8),
            ("At Risk", 22),
            ("Cannot Lose Them", 8),
            ("Hibernating customers", 11),
            ("Lost customers", 6),
        ];
        assert_eq!(
            sizes,
            expected
                .iter()
                .map(|(n, c)| (n.to_string(), *c))
                .collect::<Vec<_>>()
        );
        assert_eq!(expected.iter().map(|(_, c)| c).sum::<usize>(), 125);
        assert_eq!(map.assign(5, 5, 5), "Champions");
        assert_eq!(map.assign(4, 5, 4), "Champions");
        assert_eq!(map.assign(3, 3, 5), "Loyal");
        assert_eq!(map.assign(3, 2, 3), "Potential Loyalist");
        assert_eq!(map.assign(3, 1, 1), "New Customers");
        assert_eq!(map.assign(3, 1, 5), "Promising");
        assert_eq!(map.assign(3, 2, 4), "Need Attention");
        assert_eq!(map.assign(2, 5, 1), "About To Sleep");
        assert_eq!(map.assign(1, 2, 4), "At Risk");
        assert_eq!(map.assign(2, 1, 4), "Cannot Lose Them");
        assert_eq!(map.assign(2, 1, 1), "Hibernating customers");
        assert_eq!(map.assign(1, 5, 1), "Lost customers");
        assert_eq!(SegmentMap::named("code-list").unwrap().rules.len(), 11);
    }

    #[test]
    fn toml_code_lists() {
        let p = Path::new("codes.toml");
        let map = SegmentMap::from_toml_str(
            "[[segment]]\nname = \"Top\"\ncodes = [\"555\", \"554\"]\n[[segment]]\nname = \"Rest\"\npattern = \".\"\n",
            p,
        )
        .unwrap();
        assert_eq!(map.assign(5, 5, 4), "Top");
        assert_eq!(map.assign(5, 4, 5), "Rest");
        let err = |text: &str| SegmentMap::from_toml_str(text, p).unwrap_err().to_string();
        assert!(
            err("[[segment]]\nname = \"A\"\ncodes = [\"556\"]\n")
                .contains("segment 1 (\"A\"): \"556\" is not an RFM code of scores 1 to 5")
        );
        assert!(err("[[segment]]\nname = \"A\"\ncodes = []\n").contains("codes is empty"));
        assert!(err("[[segment]]\nname = \"A\"\ncodes = [555]\n").contains("codes.toml"));
        let ten = SegmentMap::from_toml_str(
            "levels = 10\n[[segment]]\nname = \"T\"\ncodes = [\"10-10-9\"]\n",
            p,
        )
        .unwrap();
        assert_eq!(ten.assign(10, 10, 9), "T");
        assert_eq!(ten.assign(10, 10, 10), OTHER);
    }

    #[test]
    fn rf_regex_matches_the_recipe() {
        let map = SegmentMap::rf_regex();
        assert_eq!(map.coverage().uncovered, Vec::<String>::new());
        let expect = [
            ((1, 1), "Hibernating"),
            ((2, 2), "Hibernating"),
            ((1, 3), "At Risk"),
            ((2, 4), "At Risk"),
            ((1, 5), "Can't Lose Them"),
            ((3, 2), "About To Sleep"),
            ((3, 3), "Need Attention"),
            ((3, 4), "Loyal Customers"),
            ((4, 5), "Loyal Customers"),
            ((4, 1), "Promising"),
            ((5, 1), "New Customers"),
            ((4, 3), "Potential Loyalists"),
            ((5, 2), "Potential Loyalists"),
            ((5, 4), "Champions"),
            ((5, 5), "Champions"),
        ];
        for ((r, f), name) in expect {
            for m in 1..=5 {
                assert_eq!(map.assign(r, f, m), name, "r={r} f={f} m={m}");
            }
        }
    }

    #[test]
    fn user_map_validation_and_other() {
        let p = Path::new("map.toml");
        let map = SegmentMap::from_toml_str(
            "name = \"x\"\n[[segment]]\nname = \"VIP\"\nr = [4, 5]\nf = [4, 5]\n[[segment]]\nname = \"Old\"\npattern = \"^1\"\n",
            p,
        )
        .unwrap();
        assert_eq!(map.assign(5, 4, 1), "VIP");
        assert_eq!(map.assign(1, 4, 1), "Old");
        assert_eq!(map.assign(3, 3, 3), OTHER);
        let cov = map.coverage();
        assert_eq!(cov.uncovered.len(), 125 - 20 - 25);
        assert!(cov.uncovered.contains(&"333".to_string()));
        let err = |text: &str| SegmentMap::from_toml_str(text, p).unwrap_err().to_string();
        assert!(
            err("[[segment]]\nname = \"A\"\nr = [5, 4]\n")
                .contains("segment 1 (\"A\"): r = [5, 4]")
        );
        assert!(err("[[segment]]\nname = \"A\"\n").contains("at least one of"));
        assert!(err("[[segment]]\nname = \"A\"\npattern = \"(\"\n").contains("bad pattern"));
        assert!(err("[[segment]]\nname = \"A\"\nx = 1\n").contains("map.toml"));
    }
}
