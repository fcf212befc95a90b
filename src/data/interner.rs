//! Distinct values of a text column, coded: the loader keeps codes per row and each value once.

use std::hash::BuildHasher;

use polars::prelude::*;

/// The code of an empty value.
pub(crate) const NULL: u32 = u32::MAX;

/// Byte equality for the short values of an id column, eight bytes at a time: a call into
/// `memcmp` for every field cost more than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a8 = a.chunks_exact(8);
    let mut b8 = b.chunks_exact(8);
    for (x, y) in (&mut a8).zip(&mut b8) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if u64::from_ne_bytes(wx) != u64::from_ne_bytes(wy) {
            return false;
        }
    }
    a8.remainder()
        .iter()
        .zip(b8.remainder())
        .fold(true, |same, (x, y)| same & (x == y))
}

/// Distinct values of a column in order of first appearance, trimmed; rows refer to them by code.
///
/// The values live end to end in one string and the table holds only codes: a file of millions
/// of distinct invoices or timestamps costs no allocation per value (two per value, and freeing
/// them, took seconds on 2.4 million rows).
#[derive(Default)]
pub(crate) struct Interner {
    /// Codes, found by the hash of their value.
    index: hashbrown::HashTable<u32>,
    /// Codes of values that are plain decimal numbers (most customer and invoice ids), found by
    /// the number: telling two of them apart reads no text (`index` reads a value's text for every
    /// hit, a cache miss in a table of millions of ids).
    numbers: NumberCodes,
    hasher: hashbrown::DefaultHashBuilder,
    /// The values, end to end.
    text: String,
    /// Where each code's value ends in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// The previous raw value and its code: the lines of one invoice repeat ids and dates.
    last: Vec<u8>,
    last_code: u32,
    /// The previous integer id and its code ([`Interner::code_integer`]).
    last_integer: Option<(i64, u32)>,
    /// Whether values are ids, compared as [`canonical_id`](crate::data::ids::canonical_id)
    /// makes them.
    ids: bool,
}

impl Interner {
    pub(crate) fn new() -> Self {
        Interner {
            last_code: NULL,
            ..Default::default()
        }
    }

    pub(crate) fn for_ids() -> Self {
        Interner {
            ids: true,
            ..Interner::new()
        }
    }

    /// Makes room for `values` more values of `bytes` bytes in all.
    pub(crate) fn reserve(&mut self, values: usize, bytes: usize) {
        let Interner {
            index,
            hasher,
            text,
            ends,
            ..
        } = self;
        index.reserve(values, |&code| hasher.hash_one(value_of(text, ends, code)));
        text.reserve(bytes);
        ends.reserve(values);
    }

    /// Number of distinct values.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The value of `code`.
    pub(crate) fn get(&self, code: u32) -> &str {
        value_of(&self.text, &self.ends, code)
    }

    /// The values in code order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len() as u32).map(|code| self.get(code))
    }

    /// The code of `raw` once trimmed; [`NULL`] when nothing is left (as the general path turns
    /// whitespace-only ids into nulls).
    #[inline]
    pub(crate) fn code(&mut self, raw: &str) -> u32 {
        if same_bytes(raw.as_bytes(), &self.last) {
            return self.last_code;
        }
        self.code_new_run(raw)
    }

    /// [`Interner::code`] for a value other than the previous one.
    fn code_new_run(&mut self, raw: &str) -> u32 {
        let value = raw.trim();
        let value = if self.ids {
            crate::data::ids::canonical_id(value)
        } else {
            value
        };
        let code = if value.is_empty() {
            NULL
        } else {
            self.intern(value)
        };
        self.last.clear();
        self.last.extend_from_slice(raw.as_bytes());
        self.last_code = code;
        code
    }

    /// The code of a trimmed, non-empty value.
    pub(crate) fn intern(&mut self, value: &str) -> u32 {
        if let Some(number) = plain_number(value) {
            return self.intern_number(number, |text| text.push_str(value));
        }
        let Interner {
            index,
            hasher,
            text,
            ends,
            ..
        } = self;
        let hash = hasher.hash_one(value);
        if let Some(&code) = index.find(hash, |&code| value_of(text, ends, code) == value) {
            return code;
        }
        let code = ends.len() as u32;
        text.push_str(value);
        ends.push(text.len());
        index.insert_unique(hash, code, |&code| {
            hasher.hash_one(value_of(text, ends, code))
        });
        code
    }

    /// The code of an integer id (an integer column's value): the same code as its decimal text
    /// would get, without writing the text unless the value is new.
    #[inline]
    pub(crate) fn code_integer(&mut self, value: i64) -> u32 {
        if let Some((last, code)) = self.last_integer
            && last == value
        {
            return code;
        }
        let code = match u64::try_from(value) {
            Ok(number) => self.intern_number(number, |text| {
                use std::fmt::Write;
                let _ = write!(text, "{number}");
            }),
            // "-5" is not a plain number: the text index holds it.
            Err(_) => self.intern(&value.to_string()),
        };
        self.last_integer = Some((value, code));
        code
    }

    /// The code of the plain number `number` ([`plain_number`]); `write` appends its text when it
    /// is new.
    fn intern_number(&mut self, number: u64, write: impl FnOnce(&mut String)) -> u32 {
        let next = self.ends.len() as u32;
        let code = self.numbers.code(number, next);
        if code == next {
            write(&mut self.text);
            self.ends.push(self.text.len());
        }
        code
    }

    /// Takes a block's codes into this interner: the block's values are added in the block's order
    /// of first appearance, so the merged codes are in the file's order of first appearance.
    pub(crate) fn absorb(&mut self, local: &Interner, codes: &mut [u32]) {
        let remap: Vec<u32> = local.values().map(|v| self.intern(v)).collect();
        for code in codes.iter_mut().filter(|c| **c != NULL) {
            *code = remap[*code as usize];
        }
    }

    /// Bytes of text held.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Appends `local`'s values without looking for repeats (so [`Interner::code`] must not be
    /// used afterwards); returns the code of its first value, to add to its codes.
    pub(crate) fn append(&mut self, local: &Interner) -> u32 {
        let offset = self.len() as u32;
        let base = self.text.len();
        self.text.push_str(&local.text);
        self.ends.extend(local.ends.iter().map(|end| base + end));
        offset
    }

    /// The distinct values as a polars column, for gathering the kept rows' values by code.
    pub(crate) fn column(&self) -> StringChunked {
        StringChunked::from_iter_values(PlSmallStr::EMPTY, self.values())
    }
}

/// The codes of plain numbers. Ids are mostly numbers handed out in order, so most of them are
/// small next to how many there are: those below `dense.len()` have their code at that position
/// (a lookup reads one slot, near the previous one when ids come in order), the others are in a
/// hash map. On 10^8 rows the hash map's lookups of 5 million invoices, a cache miss each, were
/// the largest cost of the thread that codes every block's ids over the whole input.
#[derive(Default)]
struct NumberCodes {
    /// The code of each number below its length, [`NULL`] for a number not seen.
    dense: Vec<u32>,
    /// The codes of the numbers at or above `dense.len()`.
    sparse: hashbrown::HashMap<u64, u32>,
}

impl NumberCodes {
    /// Slots the dense part may have per value coded, beyond [`Self::DENSE_FREE`]: 32 bytes per
    /// value at most, where the hash map takes 13 to 26 per number.
    const DENSE_PER_NUMBER: usize = 8;
    const DENSE_FREE: usize = 1 << 16;

    /// The code of `number`; `next` when it is new (and from now on).
    #[inline]
    fn code(&mut self, number: u64, next: u32) -> u32 {
        let index = usize::try_from(number).unwrap_or(usize::MAX);
        if index >= self.dense.len() {
            // `next` counts the values coded so far: the dense part grows with them.
            let allowed = (next as usize)
                .saturating_mul(Self::DENSE_PER_NUMBER)
                .saturating_add(Self::DENSE_FREE);
            match index
                .checked_add(1)
                .and_then(usize::checked_next_power_of_two)
            {
                Some(wanted) if wanted <= allowed => self.grow(wanted),
                _ => return *self.sparse.entry(number).or_insert(next),
            }
        }
        let slot = &mut self.dense[index];
        if *slot == NULL {
            *slot = next;
        }
        *slot
    }

    /// Makes the dense part `len` long, moving the numbers below that out of the hash map.
    fn grow(&mut self, len: usize) {
        self.dense.resize(len, NULL);
        let dense = &mut self.dense;
        self.sparse.retain(|&number, &mut code| {
            match usize::try_from(number).ok().and_then(|i| dense.get_mut(i)) {
                Some(slot) => {
                    *slot = code;
                    false
                }
                None => true,
            }
        });
    }
}

/// The number a value of 1 to 19 decimal digits without a leading zero is, `None` for any other
/// value: each such value has its own number, and no other value is one of them.
#[inline]
fn plain_number(value: &str) -> Option<u64> {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 19 || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    let mut number = 0u64;
    for &b in bytes {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        number = number * 10 + u64::from(digit);
    }
    Some(number)
}

/// The value of `code` in an [`Interner`]'s text.
fn value_of<'a>(text: &'a str, ends: &[usize], code: u32) -> &'a str {
    let code = code as usize;
    let start = if code == 0 { 0 } else { ends[code - 1] };
    &text[start..ends[code]]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn numbers_and_text_share_one_code_order() {
        let mut interner = Interner::new();
        let values = [
            "17850",
            "017850",
            "C17850",
            "0",
            "9999999999999999999",
            "10000000000000000000",
            "17850",
            "00",
            "C17850",
            "0",
            "10000000000000000000",
        ];
        let codes: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 0, 6, 2, 3, 5]);
        let back: Vec<&str> = interner.values().collect();
        assert_eq!(
            back,
            vec![
                "17850",
                "017850",
                "C17850",
                "0",
                "9999999999999999999",
                "10000000000000000000",
                "00"
            ]
        );
        assert_eq!(
            plain_number("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(plain_number("1a"), None);
        assert_eq!(plain_number("-1"), None);
        assert_eq!(plain_number(""), None);
    }

    /// Codes in order of first appearance, as a plain map of the values gives them.
    fn expected_codes(values: &[String]) -> Vec<u32> {
        let mut seen = std::collections::HashMap::new();
        values
            .iter()
            .map(|v| {
                let next = seen.len() as u32;
                *seen.entry(v.clone()).or_insert(next)
            })
            .collect()
    }

    #[test]
    fn numbers_keep_their_codes_as_the_dense_part_grows() {
        // Large numbers first (in the hash map), then enough values for the dense part to
        // cover them: they move, and keep their codes.
        let mut values: Vec<String> = vec!["536365".into(), "u64".into(), u64::MAX.to_string()];
        values.extend((0..70_000).map(|i| (i * 3).to_string()));
        values.extend(
            [
                "536365",
                "7",
                "536366",
                "C536365",
                "18446744073709551615",
                "0",
            ]
            .map(String::from),
        );
        values.extend((0..300_000).rev().map(|i| (i * 5 + 1).to_string()));
        values.extend(values.clone());
        let mut interner = Interner::new();
        let codes: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
        assert!(
            interner.numbers.dense.len() >= 1 << 21,
            "the dense part grew"
        );
        assert!(interner.numbers.sparse.len() < 10);
        assert_eq!(codes, expected_codes(&values));
        for (value, &code) in values.iter().zip(&codes) {
            assert_eq!(interner.get(code), value);
        }
    }

    proptest! {
        #[test]
        fn codes_are_in_order_of_first_appearance(
            values in proptest::collection::vec(
                prop_oneof![
                    (0u64..300).prop_map(|n| n.to_string()),
                    (0u64..1 << 20).prop_map(|n| n.to_string()),
                    any::<u64>().prop_map(|n| n.to_string()),
                    "0[0-9]{0,3}|C[0-9]{1,3}|[a-c]{1,2}",
                ],
                0..400,
            )
        ) {
            let mut interner = Interner::new();
            let codes: Vec<u32> = values.iter().map(|v| interner.intern(v)).collect();
            prop_assert_eq!(codes, expected_codes(&values));
        }
    }

    #[test]
    fn integers_get_the_codes_of_their_text() {
        let mut ids = Interner::for_ids();
        let codes = [
            ids.code_integer(17850),
            ids.code("17850"),
            ids.code("-5"),
            ids.code_integer(-5),
            ids.code_integer(0),
            ids.code(" 0 "),
            ids.code_integer(12346),
            ids.code_integer(12346),
            ids.code("12346.0"),
        ];
        assert_eq!(codes, [0, 0, 1, 1, 2, 2, 3, 3, 3]);
        let values: Vec<&str> = ids.values().collect();
        assert_eq!(values, ["17850", "-5", "0", "12346"]);
    }

    #[test]
    fn ids_are_coded_trimmed_and_canonical() {
        let mut ids = Interner::for_ids();
        let codes: Vec<u32> = [" 17850.0", "17850", "", "  ", "17850.5", "17850"]
            .iter()
            .map(|v| ids.code(v))
            .collect();
        assert_eq!(codes, vec![0, 0, NULL, NULL, 1, 0]);
        assert_eq!(ids.get(1), "17850.5");
    }
}
