//! The common shape of a JSON basket read without serde: a list of bare string ids and of flat
//! objects whose values are strings without escapes, integers, `null`, `true` or `false`.
//!
//! serde_json's visitor took about 1.2 µs a row on the health study's baskets, more than parsing
//! the rest of the CSV row; this scanner reads the same baskets several times faster. It gives up
//! (`None`) at anything outside that shape (an escape, a nested value, a fraction or exponent, a
//! numeric id, invalid JSON) and [`super::basket`] then reads the text with serde, so the result is
//! always serde's: the unit tests hold the two to the same answers.

use crate::data::basket::{Basket, ID_KEYS, QUANTITY_KEYS, Quantity};

/// Most products a basket may have here; longer ones are read by serde.
const MAX_PRODUCTS: usize = 32;

/// Reads `text` (trimmed, not empty) if it has the common shape, handing each product to
/// `product` once the whole text is read; `None` when serde must read it.
pub(crate) fn read(text: &str, product: &mut dyn FnMut(&str, f64)) -> Option<Basket> {
    read_quoted(text, false, product)
}

/// [`read`] for the text of a quoted CSV field whose quotes are still doubled (`""` for each
/// `"`, as the field's other quotes are): no undoubled copy is made.
pub(crate) fn read_doubled(text: &str, product: &mut dyn FnMut(&str, f64)) -> Option<Basket> {
    read_quoted(text, true, product)
}

fn read_quoted(text: &str, doubled: bool, product: &mut dyn FnMut(&str, f64)) -> Option<Basket> {
    let mut scan = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        doubled,
    };
    let mut found = [("", 0.0); MAX_PRODUCTS];
    let mut basket = Basket::default();
    scan.expect(b'[')?;
    scan.space();
    if scan.peek()? == b']' {
        scan.at += 1;
    } else {
        loop {
            scan.space();
            match scan.entry()? {
                Entry::Product(id, quantity) => {
                    *found.get_mut(basket.products)? = (id, quantity);
                    basket.products += 1;
                }
                Entry::WithoutId => basket.without_id = true,
                Entry::Malformed => basket.malformed = true,
            }
            scan.space();
            match scan.next()? {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
    }
    scan.space();
    if scan.at != scan.bytes.len() {
        return None;
    }
    for &(id, quantity) in &found[..basket.products] {
        product(id, quantity);
    }
    Some(basket)
}

/// One element of the list, as [`super::basket`]'s serde visitor reads it.
enum Entry<'t> {
    Product(&'t str, f64),
    WithoutId,
    Malformed,
}

/// A JSON literal.
enum Literal {
    Null,
    Bool,
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    /// Whether each JSON quote is written twice (the text of a quoted CSV field).
    doubled: bool,
}

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Skips JSON whitespace.
    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A list element: a bare id, `null`, a boolean or a flat object.
    fn entry(&mut self) -> Option<Entry<'t>> {
        match self.peek()? {
            b'"' => Some(product(Some(self.string()?), 1.0)),
            b'{' => self.object(),
            _ => Some(match self.literal()? {
                Literal::Null => Entry::WithoutId,
                Literal::Bool => Entry::Malformed,
            }),
        }
    }

    /// A product object: the id under the earliest of [`ID_KEYS`] present, the quantity likewise.
    fn object(&mut self) -> Option<Entry<'t>> {
        self.expect(b'{')?;
        let mut id: Option<(usize, Option<&'t str>)> = None;
        let mut quantity: Option<(usize, Quantity)> = None;
        self.space();
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                self.space();
                let key = self.string()?;
                self.space();
                self.expect(b':')?;
                self.space();
                if let Some(rank) = ID_KEYS.iter().position(|k| *k == key) {
                    let value = match self.peek()? {
                        b'"' => Some(self.string()?),
                        // A number id is written as serde writes it: serde reads those.
                        b'-' | b'0'..=b'9' => return None,
                        _ => {
                            self.literal()?;
                            None
                        }
                    };
                    if id.is_none_or(|(best, _)| rank < best) {
                        id = Some((rank, value));
                    }
                } else if let Some(rank) = QUANTITY_KEYS.iter().position(|k| *k == key) {
                    let value = match self.peek()? {
                        b'"' => {
                            let text = self.string()?;
                            text.trim()
                                .parse::<f64>()
                                .map_or(Quantity::Bad, Quantity::of)
                        }
                        b'-' | b'0'..=b'9' => Quantity::of(self.integer()? as f64),
                        _ => match self.literal()? {
                            Literal::Null => Quantity::Absent,
                            Literal::Bool => Quantity::Bad,
                        },
                    };
                    if quantity.as_ref().is_none_or(|(best, _)| rank < *best) {
                        quantity = Some((rank, value));
                    }
                } else {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                        }
                        b'-' | b'0'..=b'9' => self.number()?,
                        _ => {
                            self.literal()?;
                        }
                    }
                }
                self.space();
                match self.next()? {
                    b',' => {}
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        let quantity = match quantity.map(|(_, q)| q) {
            None | Some(Quantity::Absent) => 1.0,
            Some(Quantity::Value(q)) => q,
            Some(Quantity::Bad) => return Some(Entry::Malformed),
        };
        Some(product(id.and_then(|(_, id)| id), quantity))
    }

    /// A string without escapes or control characters, without its quotes.
    fn string(&mut self) -> Option<&'t str> {
        self.quote()?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => {
                    let end = self.at;
                    self.quote()?;
                    return self.text.get(start..end);
                }
                b'\\' => return None,
                byte if byte < 0x20 => return None,
                _ => self.at += 1,
            }
        }
    }

    /// A JSON quote: `"`, or `""` when quotes are doubled.
    fn quote(&mut self) -> Option<()> {
        self.expect(b'"')?;
        if self.doubled {
            self.expect(b'"')?;
        }
        Some(())
    }

    /// `null`, `true` or `false`.
    fn literal(&mut self) -> Option<Literal> {
        let rest = self.bytes.get(self.at..)?;
        let (literal, len) = if rest.starts_with(b"null") {
            (Literal::Null, 4)
        } else if rest.starts_with(b"true") {
            (Literal::Bool, 4)
        } else if rest.starts_with(b"false") {
            (Literal::Bool, 5)
        } else {
            return None;
        };
        self.at += len;
        Some(literal)
    }

    /// An integer of up to 18 digits (no fraction, no exponent), as serde_json reads it.
    fn integer(&mut self) -> Option<i64> {
        let start = self.at;
        self.digits()?;
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) || self.at - start > 18 {
            return None;
        }
        self.text.get(start..self.at)?.parse().ok()
    }

    /// Any JSON number, checked and skipped.
    fn number(&mut self) -> Option<()> {
        self.digits()?;
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.run_of_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.run_of_digits()?;
        }
        Some(())
    }

    /// The integer part of a number: an optional minus, then 0 or digits not starting with 0.
    fn digits(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        if self.peek()? == b'0' {
            self.at += 1;
            return (!matches!(self.peek(), Some(b'0'..=b'9'))).then_some(());
        }
        self.run_of_digits()
    }

    /// One or more digits.
    fn run_of_digits(&mut self) -> Option<()> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        (self.at > start).then_some(())
    }
}

/// A product with `id` trimmed, or [`Entry::WithoutId`] when nothing is left.
fn product(id: Option<&str>, quantity: f64) -> Entry<'_> {
    match id.map(str::trim) {
        Some(id) if !id.is_empty() => Entry::Product(id, quantity),
        _ => Entry::WithoutId,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::data::basket::read_with_serde;

    /// What a reader made of a basket: its products and flags.
    type Reading = (Vec<(String, f64)>, bool, bool);

    fn scanned(text: &str) -> Option<Reading> {
        let mut products = Vec::new();
        let basket = read(text, &mut |id, q| products.push((id.to_string(), q)))?;
        assert_eq!(basket.products, products.len());
        Some((products, basket.without_id, basket.malformed))
    }

    fn by_serde(text: &str) -> Option<Reading> {
        let mut products = Vec::new();
        let basket = read_with_serde(text, &mut |id, q| products.push((id.to_string(), q))).ok()?;
        Some((products, basket.without_id, basket.malformed))
    }

    #[test]
    fn the_common_shape_is_read_without_serde() {
        let text = r#"[{"product_id": "HP0201", "name": "Calcium + D3 30 capsules", "quantity": 1}, {"product_id": "HP0212", "name": "Glucosamine", "quantity": 2}]"#;
        let reading = scanned(text).unwrap();
        assert_eq!(
            reading,
            (
                vec![("HP0201".to_string(), 1.0), ("HP0212".to_string(), 2.0)],
                false,
                false
            )
        );
        assert_eq!(Some(reading), by_serde(text));
        // A bare id list, nulls (no id), a bad quantity, the first-ranked key winning.
        let text = r#"[" A1 ", null, {"sku": "S", "product_id": "P", "qty": "3"}, {"id": "X", "count": 0}]"#;
        assert_eq!(
            scanned(text).unwrap(),
            (
                vec![("A1".to_string(), 1.0), ("P".to_string(), 3.0)],
                true,
                true
            )
        );
        // Escapes, fractions and numeric ids are left to serde.
        for text in [
            r#"[{"id": "a\"b"}]"#,
            r#"[{"id": "a", "quantity": 2.5}]"#,
            r#"[{"id": 42}]"#,
            r#"[[1]]"#,
        ] {
            assert!(scanned(text).is_none(), "{text}");
        }
    }

    const ELEMENTS: &[&str] = &[
        r#""A1""#,
        r#"" B2 ""#,
        r#""""#,
        "null",
        "true",
        "false",
        "7",
        "-0",
        "{}",
        "[1]",
        r#"{"product_id": "P1", "quantity": 2}"#,
        r#"{"sku": "S7"}"#,
        r#"{"id": "X", "qty": "3"}"#,
        r#"{"id": "X", "qty": " 4.5 "}"#,
        r#"{"id": "X", "qty": "abc"}"#,
        r#"{"name": "x \"q\"", "product_id": "P"}"#,
        r#"{"product_id": "P", "quantity": 2.5}"#,
        r#"{"quantity": -1, "code": "C"}"#,
        r#"{"product": null, "id": "Z"}"#,
        r#"{"id": "Z", "product": "Y", "id": "W"}"#,
        r#"{"product_id": "P", "quantity": 0}"#,
        r#"{"product_id": "P", "quantity": 01}"#,
        r#"{"product_id": "P", "quantity": 1e2}"#,
        r#"{"product_id": "P", "quantity": 123456789012345678901}"#,
        r#"{"product_id": "P", "quantity": 12345678901234567}"#,
        r#"{"product_id": "P", "quantity": -3}"#,
        r#"{"product_id": "P", "quantity": null, "count": 5}"#,
        r#"{"id": "R", "qty": true}"#,
        r#"{"id": "R", "price": -1.5e-3, "tags": null, "ok": false}"#,
        r#"{"id": "R", "price": 1.}"#,
        r#"{"id": "R", "price": .5}"#,
        r#"{"a": [1], "id": "Q"}"#,
        r#"{"id": {"x": 1}}"#,
        r#"{"id": "é ü"}"#,
        r#"{"id": "tab	in"}"#,
        r#"{"id": 42}"#,
        r#"{"id": "A" "qty": 1}"#,
        r#"{"id": "A", }"#,
        r#"{"id": "A",}"#,
        r#"{id: "A"}"#,
        r#"{"id": "A""#,
        r#"{"id" : "A" , "qty" : 2 }"#,
        "nul",
        "truex",
    ];
    const SEPARATORS: &[&str] = &[",", ", ", " ,\n", ",,", "", " "];
    const ENDS: &[&str] = &["]", " ]", "] ", "", "] x", "]]", ",]"];

    proptest! {
        /// Whatever the scanner reads, serde reads the same way.
        #[test]
        fn the_scanner_agrees_with_serde(
            elements in prop::collection::vec(0..ELEMENTS.len(), 0..5),
            separator in 0..SEPARATORS.len(),
            end in 0..ENDS.len(),
            open in prop::bool::ANY,
        ) {
            let mut text = String::from(if open { "[" } else { "[ " });
            let parts: Vec<&str> = elements.iter().map(|&e| ELEMENTS[e]).collect();
            text.push_str(&parts.join(SEPARATORS[separator]));
            text.push_str(ENDS[end]);
            let reading = scanned(&text);
            if let Some(reading) = &reading {
                prop_assert_eq!(Some(reading.clone()), by_serde(&text), "{}", text);
            }
            // The same text as a quoted CSV field holds it, quotes doubled, reads the same.
            let doubled = text.replace('"', "\"\"");
            let mut products = Vec::new();
            let basket = read_doubled(&doubled, &mut |id, q| products.push((id.to_string(), q)));
            let doubled_reading = basket.map(|b| (products, b.without_id, b.malformed));
            prop_assert_eq!(doubled_reading, reading, "{}", doubled);
        }
    }
}
