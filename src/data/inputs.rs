//! Which files an input names: one file, every transaction file of a directory, or the files a
//! glob pattern matches (`data/2024-*.parquet`).
//!
//! A directory contributes its files ending in `.csv`, `.tsv`, `.txt` (each optionally `.gz`),
//! `.parquet` or `.xlsx`, not those of its subdirectories. Files are taken in the byte order of
//! their paths, so that rows (and every result) come out the same on every machine.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Endings of the files a directory contributes.
pub const TRANSACTION_FILE_ENDINGS: [&str; 8] = [
    ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".parquet", ".xlsx",
];

/// The files `input` names, in path order: itself when it is a file (or `-`, standard input, or
/// a path that does not exist, whose read then says so), the transaction files of a directory,
/// or the matches of a glob pattern.
///
/// ```no_run
/// use custseg::data::inputs::input_files;
/// let files = input_files("data/2024-*.parquet".as_ref())?;
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn input_files(input: &Path) -> Result<Vec<PathBuf>> {
    if input.is_dir() {
        return directory_files(input);
    }
    let text = input.to_string_lossy();
    if input.exists() || !text.contains(['*', '?', '[']) {
        return Ok(vec![input.to_path_buf()]);
    }
    let paths = glob::glob(&text).map_err(|e| {
        Error::format(
            input,
            format!("not a valid file pattern ({e}); quote `*`, `?` and `[` only to match names"),
        )
    })?;
    let mut files = Vec::new();
    for path in paths {
        let path = path.map_err(|e| Error::io(e.path().to_path_buf(), e.into()))?;
        if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(Error::NoData {
            path: input.to_path_buf(),
            message: "no file matches this pattern".into(),
        });
    }
    files.sort();
    Ok(files)
}

/// A directory's transaction files.
fn directory_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if path.is_file() && TRANSACTION_FILE_ENDINGS.iter().any(|e| name.ends_with(e)) {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(Error::NoData {
            path: dir.to_path_buf(),
            message: format!(
                "the directory has no transaction file (names ending in {})",
                TRANSACTION_FILE_ENDINGS.join(", ")
            ),
        });
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_gives_its_transaction_files_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.csv", "a.parquet", "c.csv.gz", "notes.md", "D.TSV"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.csv")).unwrap();
        let names: Vec<String> = input_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["D.TSV", "a.parquet", "b.csv", "c.csv.gz"]);
        let pattern = dir.path().join("*.csv*");
        let names: Vec<String> = input_files(&pattern)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.csv", "c.csv.gz"]);
    }

    #[test]
    fn an_empty_match_names_the_pattern_and_a_plain_path_is_itself() {
        let dir = tempfile::tempdir().unwrap();
        let pattern = dir.path().join("2024-*.parquet");
        let error = input_files(&pattern).unwrap_err().to_string();
        assert!(error.contains("2024-*.parquet"), "{error}");
        assert!(error.contains("no file matches"), "{error}");
        let error = input_files(dir.path()).unwrap_err().to_string();
        assert!(error.contains("no transaction file"), "{error}");
        let missing = dir.path().join("missing.csv");
        assert_eq!(input_files(&missing).unwrap(), [missing]);
        assert_eq!(input_files(Path::new("-")).unwrap(), [PathBuf::from("-")]);
    }
}
