//! Marketing playbooks: one markdown file per segment, filled in with the segment's numbers by
//! tera and rendered to HTML by pulldown-cmark.
//!
//! The built-in playbooks live in `templates/playbooks/` and are embedded in the binary; a user's
//! folder of the same layout overrides them file by file. A file is found by the segment's slug
//! (`Can't Lose Them` -> `can-t-lose-them.md`); `_default.md` serves segments without a file.

use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, html};

use crate::error::{Error, Result};

macro_rules! playbook {
    ($slug:literal) => {
        (
            $slug,
            include_str!(concat!("../../templates/playbooks/", $slug, ".md")),
        )
    };
}

/// The embedded playbooks, by slug.
pub const BUILT_IN: [(&str, &str); 14] = [
    playbook!("champions"),
    playbook!("loyal-customers"),
    playbook!("potential-loyalist"),
    playbook!("potential-loyalists"),
    playbook!("new-customers"),
    playbook!("promising"),
    playbook!("need-attention"),
    playbook!("about-to-sleep"),
    playbook!("at-risk"),
    playbook!("can-t-lose-them"),
    playbook!("hibernating"),
    playbook!("lost"),
    playbook!("other"),
    playbook!("_default"),
];

/// Other names of the same segments (study 1's code list names them so), by slug: the playbook
/// of the second slug serves the first when no file of the first's own name exists.
pub const ALIASES: [(&str, &str); 4] = [
    ("loyal", "loyal-customers"),
    ("cannot-lose-them", "can-t-lose-them"),
    ("hibernating-customers", "hibernating"),
    ("lost-customers", "lost"),
];

/// `Can't Lose Them` -> `can-t-lose-them`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Where playbooks come from.
#[derive(Debug, Clone, Default)]
pub struct Playbooks {
    folder: Option<PathBuf>,
}

impl Playbooks {
    /// The embedded playbooks.
    pub fn built_in() -> Self {
        Playbooks { folder: None }
    }

    /// A user's folder, falling back to the embedded playbooks for segments it lacks.
    pub fn from_folder(folder: impl Into<PathBuf>) -> Result<Self> {
        let folder = folder.into();
        if !folder.is_dir() {
            return Err(Error::Config {
                path: folder,
                message: "the playbook folder does not exist".into(),
            });
        }
        Ok(Playbooks {
            folder: Some(folder),
        })
    }

    /// The markdown template for a segment, and where it came from.
    pub fn source(&self, segment: &str) -> Result<(String, String)> {
        let slug = slug(segment);
        let alias = ALIASES
            .iter()
            .find(|(name, _)| *name == slug)
            .map(|(_, a)| *a);
        for candidate in [Some(slug.as_str()), alias, Some("_default")]
            .into_iter()
            .flatten()
        {
            if let Some(folder) = &self.folder {
                let path = folder.join(format!("{candidate}.md"));
                if path.is_file() {
                    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                    return Ok((text, path.display().to_string()));
                }
            }
            if let Some((_, text)) = BUILT_IN.iter().find(|(s, _)| *s == candidate) {
                return Ok((text.to_string(), format!("built-in {candidate}.md")));
            }
        }
        Err(Error::Template {
            template: format!("{slug}.md"),
            message: "no playbook and no _default.md".into(),
        })
    }

    /// Renders a segment's playbook to HTML. `context` holds the values (`segment.*`, `company`,
    /// `snapshot`); they are HTML-escaped before they reach the markdown, and raw HTML in the
    /// markdown is shown as text, so nothing from data or a playbook can inject markup.
    pub fn render(&self, segment: &str, context: &tera::Context) -> Result<String> {
        let (template, origin) = self.source(segment)?;
        let markdown = render_markdown_template(&template, &origin, context)?;
        Ok(markdown_to_html(&markdown))
    }
}

/// Fills a markdown template with tera, escaping every value for HTML.
pub fn render_markdown_template(
    template: &str,
    origin: &str,
    context: &tera::Context,
) -> Result<String> {
    let failed = |e: &dyn std::error::Error| Error::Template {
        template: origin.to_string(),
        message: crate::report::build::error_chain(e),
    };
    let mut tera = tera::Tera::default();
    // `.html` turns tera's autoescaping on for this template: values are escaped as they go in.
    tera.add_raw_template("playbook.html", template)
        .map_err(|e| failed(&e))?;
    tera.render("playbook.html", context)
        .map_err(|e| failed(&e))
}

/// Markdown to HTML with tables; raw HTML in the source becomes visible text.
pub fn markdown_to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// Text from the data made inert for a Markdown template: every ASCII punctuation mark is
/// backslash-escaped (CommonMark allows it for all of them), so a product description such as
/// `[offer](javascript:...)` or `**x**` stays the literal text.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The folder holding the playbooks that ship with custseg (for documentation and tests).
pub fn built_in_folder() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/playbooks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_in_markdown_stays_text() {
        let hostile = "[offer](javascript:alert(1)) **big** <b>x</b> 50% off_now";
        let html = markdown_to_html(&format!("- {}", escape_markdown(hostile)));
        assert!(!html.contains("<a") && !html.contains("<strong>") && !html.contains("<b>"));
        assert!(
            html.contains("[offer](javascript:alert(1)) **big** &lt;b&gt;x&lt;/b&gt; 50% off_now")
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Can't Lose Them"), "can-t-lose-them");
        assert_eq!(slug("  Loyal  Customers "), "loyal-customers");
        assert_eq!(slug("Khách hàng VIP"), "khách-hàng-vip");
    }

    #[test]
    fn code_list_names_find_their_playbooks() {
        let playbooks = Playbooks::built_in();
        for name in crate::rfm::SegmentMap::code_list().segment_names() {
            let (_, origin) = playbooks.source(&name).unwrap();
            assert_ne!(origin, "built-in _default.md", "{name}");
        }
        assert_eq!(
            playbooks.source("Hibernating customers").unwrap().1,
            "built-in hibernating.md"
        );
        assert_eq!(
            playbooks.source("Something else").unwrap().1,
            "built-in _default.md"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = markdown_to_html("# T\n\n<script>alert(1)</script>\n\nok <b>x</b>");
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn every_built_in_playbook_exists_on_disk_and_renders() {
        let mut context = tera::Context::new();
        let segment: std::collections::BTreeMap<&str, &str> = [
            ("name", "<img src=x onerror=alert(1)>"),
            ("customers", "1"),
            ("customer_share", "1%"),
            ("revenue", "£1"),
            ("revenue_share", "1%"),
            ("recency_median", "1"),
            ("frequency_median", "1"),
            ("monetary_median", "£1"),
            ("revenue_per_customer", "£1"),
        ]
        .into_iter()
        .collect();
        context.insert("segment", &segment);
        context.insert("company", "ACME \"<b>\"");
        context.insert("snapshot", "2011-12-10");
        for (slug, _) in BUILT_IN {
            assert!(
                built_in_folder().join(format!("{slug}.md")).is_file(),
                "{slug}"
            );
            let html = Playbooks::built_in().render(slug, &context).unwrap();
            assert!(html.contains("<h3>Goal</h3>"), "{slug}: {html}");
            assert!(
                !html.contains("<img") && !html.contains("<b>"),
                "{slug}: {html}"
            );
        }
    }
}
