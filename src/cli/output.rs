//! Writing output files: checked before any work is done, written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use custseg::Result;
use custseg::error::Error;
use polars::prelude::*;

/// The formats a table output can take, by extension.
const TABLE_EXTENSIONS: [&str; 2] = ["csv", "parquet"];

/// Checks an output path given with `flag` before any work is done: its extension must be one
/// of `extensions` (lower case, without the dot) and it must not be one of the inputs.
pub(crate) fn check_output(
    path: &Path,
    flag: &'static str,
    extensions: &[&str],
    inputs: &[&Path],
) -> Result<()> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if !extensions.contains(&extension.as_str()) {
        let wanted: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
        return Err(Error::param(
            flag,
            format!(
                "{}: custseg writes {} files here, chosen by the extension; name the file with \
                 one of them{}",
                path.display(),
                wanted.join(" or "),
                if extension == "xlsx" || extension == "xls" {
                    " (Excel opens .csv files)"
                } else {
                    ""
                }
            ),
        ));
    }
    for input in inputs {
        if same_file(path, input) {
            return Err(Error::param(
                flag,
                format!(
                    "{} is the input file; writing there would destroy the data being read. \
                     Choose another file name.",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a table output (`.csv` or `.parquet`).
pub(crate) fn check_table_output(
    path: &Path,
    flag: &'static str,
    input: Option<&Path>,
) -> Result<()> {
    check_output(path, flag, &TABLE_EXTENSIONS, input.as_slice())
}

/// Whether two paths name the same existing file (through links and `..` too).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `path` whole or not at all: `write` fills a temporary file beside it, which is renamed
/// into place only when everything was written and flushed. On any failure (a full disk, a
/// failing writer) the temporary file is removed and an existing `path` is left as it was.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let folder = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => {
            std::fs::create_dir_all(folder).map_err(|e| Error::write(folder, e))?;
            folder.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".custseg-").suffix(".partial");
    // A temporary file is private (0600) and would stay so once renamed into place: ask for the
    // mode a plain file gets, which the umask then narrows (0644 under the usual 022).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder
        .tempfile_in(&folder)
        .map_err(|e| Error::write(path, e))?;
    write(temporary.as_file_mut())?;
    temporary
        .as_file_mut()
        .flush()
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| Error::write(path, e))?;
    temporary
        .persist(path)
        .map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// Writes a frame as CSV or Parquet (by `path`'s extension), atomically.
pub(crate) fn write_frame(frame: &mut DataFrame, path: &Path) -> Result<()> {
    let parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    write_atomically(path, |file| {
        let written = if parquet {
            ParquetWriter::new(file).finish(frame).map(|_| ())
        } else {
            CsvWriter::new(file).include_header(true).finish(frame)
        };
        written.map_err(|e| Error::write(path, std::io::Error::other(e.to_string())))
    })
}

/// Writes text atomically.
pub(crate) fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomically(path, |file| {
        file.write_all(text.as_bytes())
            .map_err(|e| Error::write(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    #[cfg(unix)]
    fn written_files_get_the_mode_of_a_plain_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.csv");
        std::fs::write(&plain, "a\n").unwrap();
        let ours = dir.path().join("ours.csv");
        write_atomically(&ours, |f| {
            f.write_all(b"a\n").map_err(|e| Error::write("x", e))
        })
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let failed = write_atomically(&path, |file| {
            file.write_all(b"half of the new").unwrap();
            Err(Error::write(
                &path,
                std::io::Error::other("No space left on device"),
            ))
        });
        let message = failed.unwrap_err().to_string();
        assert!(
            message.contains("cannot write") && message.contains("out.csv"),
            "{message}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(entries(dir.path()), ["out.csv"]);
        write_text(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn outputs_are_checked_before_work() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").unwrap();
        let m = check_table_output(&dir.path().join("x.xlsx"), "--output", None)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("--output") && m.contains(".csv or .parquet"),
            "{m}"
        );
        let again = dir.path().join(".").join("in.csv");
        let m = check_table_output(&again, "--output", Some(&input))
            .unwrap_err()
            .to_string();
        assert!(m.contains("is the input file"), "{m}");
        assert!(
            check_table_output(&dir.path().join("y.PARQUET"), "--output", Some(&input)).is_ok()
        );
    }
}
