//! The header line: column names, the delimiter, and which column plays which role.

use super::*;

/// What the header line says: column names, delimiter, and which column plays which role.
#[derive(Clone)]
pub(super) struct Header {
    pub(super) names: Vec<String>,
    pub(super) delimiter: u8,
    pub(super) bom: bool,
    pub(super) roles: ResolvedRoles,
    pub(super) layout: Layout,
}

impl Header {
    /// Reads the header at the start of `text`; returns it and where the first record starts.
    pub(super) fn read(
        text: &str,
        delimiter: Option<u8>,
        name: &Path,
        options: &LoadOptions,
    ) -> Option<(Self, usize)> {
        let bom = text.starts_with('\u{feff}');
        let body = if bom { 3 } else { 0 };
        let bytes = text.as_bytes();
        if bytes[body..].starts_with(b"PAR1") {
            return None;
        }
        let delimiter =
            delimiter.unwrap_or_else(|| crate::data::source::sniff_delimiter(&bytes[body..]));
        if delimiter == crate::data::delimited::WHITESPACE {
            return None;
        }
        let mut names = Vec::new();
        let mut pos = body;
        loop {
            let field = field(bytes, text, pos, delimiter, true)?;
            let at = field.next;
            pos = at + 1;
            match bytes.get(at) {
                Some(&b) if b == delimiter => names.push(field.text.into_owned()),
                Some(b'\n') => {
                    names.push(strip_cr(field.text, field.quoted).into_owned());
                    break;
                }
                _ => return None,
            }
        }
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort();
        if names.iter().any(String::is_empty) || sorted.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let roles = options.roles.resolve(&name_refs, name).ok()?;
        // Duplicates are found on the kept columns, the JSON text included: then the baskets are
        // read from the kept rows' text instead of while parsing.
        let read_baskets = !options.rules.drop_duplicates;
        let thousands = CommaReading::for_delimiter(delimiter);
        let layout = Layout::new(&names, &roles, thousands, read_baskets)?;
        Some((
            Header {
                names,
                delimiter,
                bom,
                roles,
                layout,
            },
            pos,
        ))
    }
}
