//! The pipeline reads one way: leaf helpers -> data -> rfm -> features -> models (cluster, clv,
//! recommend) -> chart -> report. A module may import its own layer or any layer below it, never one above; this test
//! reads every source file and fails on an upward `crate::` path in code (comments are skipped:
//! a doc link upward does not make a dependency).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom up. Leaf helpers share the lowest rank.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("Error", 0),
    ("Result", 0),
    ("stats", 0),
    ("exact_sum", 0),
    ("format", 0),
    ("matrix", 0),
    ("grouping", 0),
    ("dominant", 0),
    ("frame", 0),
    ("display", 0),
    ("data", 1),
    ("generate", 1),
    ("rfm", 2),
    ("distributed", 2),
    ("features", 3),
    ("cluster", 4),
    ("clv", 4),
    ("recommend", 4),
    ("chart", 5),
    ("report", 6),
];

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/data/clean.rs` -> `data`, `src/frame.rs` -> `frame`.
fn owner(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::NAME` in the code (not the comments) of `text`.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
            rest = after;
        }
    }
    found
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = owner(&src, file);
        let Some(own) = rank(&module) else {
            continue; // lib.rs, prelude.rs, main.rs and cli sit above every layer
        };
        checked += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for target in imported_modules(&text) {
            let target_rank = rank(&target)
                .unwrap_or_else(|| panic!("{}: crate::{target} has no layer", file.display()));
            if target_rank > own {
                upward.push(format!("{} imports crate::{target}", file.display()));
            }
        }
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

#[test]
fn the_checker_sees_paths_in_code_only() {
    let text = "use crate::report::x;\n/// see [`crate::cli::y`]\nlet a = crate::chart::z(); // crate::data\n";
    let found: Vec<String> = imported_modules(text).into_iter().collect();
    assert_eq!(found, ["chart", "report"]);
}
