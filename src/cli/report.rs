//! `custseg report`: one self-contained HTML file for a marketing team.

use std::path::{Path, PathBuf};

use clap::Args;
use custseg::Result;
use custseg::data::transactions::Transactions;
use custseg::report::build::{Templates, render_report};
use custseg::report::config::StudyConfig;
use custseg::report::playbooks::Playbooks;
use indicatif::{ProgressBar, ProgressStyle};

use super::Timings;
use super::args::InputArgs;
use super::output::{check_output, write_text};

/// Arguments of `custseg report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Study file (TOML) with the source, roles, cleaning, RFM and formatting choices; flags given on the command line override it
    #[arg(long, value_name = "STUDY.toml", help_heading = "Report")]
    config: Option<PathBuf>,
    /// Where to write the report [default: reports/online-retail.html for the bundled data, else reports/<input name>.html]
    #[arg(long, short, value_name = "FILE.html", help_heading = "Report")]
    output: Option<PathBuf>,
    /// Print the effective study configuration (TOML) and exit, so a run can be reproduced exactly
    #[arg(long, help_heading = "Report")]
    print_config: bool,
    /// Folder overriding report.html, report.css, methodology.md and playbooks/
    #[arg(long, value_name = "DIR", help_heading = "Report")]
    templates: Option<PathBuf>,
    /// Folder of playbook markdown files overriding the built-in ones (see templates/playbooks/README.md)
    #[arg(long, value_name = "DIR", help_heading = "Report")]
    playbooks: Option<PathBuf>,
    /// Report title
    #[arg(long, help_heading = "Report")]
    title: Option<String>,
    /// Company name used in the text
    #[arg(long, help_heading = "Report")]
    company: Option<String>,
    /// Currency symbol or code, e.g. £, $, €, VND
    #[arg(long, help_heading = "Report")]
    currency: Option<String>,
    /// Locale for number formatting, e.g. en-GB, en-US, de-DE, fr-FR, vi-VN
    #[arg(long, help_heading = "Report")]
    locale: Option<String>,
    /// Segment map: table, code-list, rf-regex, or a TOML file
    #[arg(long, help_heading = "Report")]
    segments: Option<String>,
}

impl ReportArgs {
    /// The study file (or the default study) with the command-line flags applied.
    fn effective_config(&self) -> Result<StudyConfig> {
        let input = &self.input;
        let mut config = match (&self.config, &input.input) {
            (Some(path), _) => StudyConfig::from_file(path)?,
            (None, None) => StudyConfig::online_retail(),
            (None, Some(path)) => StudyConfig {
                title: format!("Customer segmentation: {}", stem(path)),
                // Better than "the company" in every sentence: the file's name, as the title.
                company: stem(path),
                ..StudyConfig::default()
            },
        };
        if let Some(path) = &input.input {
            config.input = Some(path.clone());
        }
        let flags = input.load_options()?;
        let roles = &mut config.roles;
        let given = flags.roles;
        for (slot, value) in [
            (&mut roles.customer, given.customer),
            (&mut roles.invoice, given.invoice),
            (&mut roles.date, given.date),
            (&mut roles.quantity, given.quantity),
            (&mut roles.price, given.price),
            (&mut roles.amount, given.amount),
            (&mut roles.product, given.product),
            (&mut roles.description, given.description),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
        if !given.dimensions.is_empty() {
            roles.dimensions = given.dimensions;
        }
        let read = flags.read;
        config.read.format = read.format.or(config.read.format);
        config.read.encoding = read.encoding.or(config.read.encoding);
        config.read.delimiter = read.delimiter.or(config.read.delimiter);
        config.read.sheet = read.sheet.or(config.read.sheet.take());
        if !read.column_names.is_empty() {
            config.read.column_names = read.column_names;
        }
        if input.date_format.is_some() {
            config.date_format = input.date_format.clone();
        }
        config.cleaning = input.cleaning_rules(config.cleaning.clone())?;
        for (slot, value) in [
            (&mut config.title, &self.title),
            (&mut config.company, &self.company),
            (&mut config.format.currency, &self.currency),
            (&mut config.format.locale, &self.locale),
            (&mut config.rfm.segments, &self.segments),
        ] {
            if let Some(value) = value {
                *slot = value.clone();
            }
        }
        config.check()?;
        Ok(config)
    }

    fn output_path(&self, config: &StudyConfig) -> PathBuf {
        match (&self.output, &config.input) {
            (Some(path), _) => path.clone(),
            (None, None) => PathBuf::from("reports/online-retail.html"),
            (None, Some(input)) => PathBuf::from("reports").join(format!("{}.html", stem(input))),
        }
    }
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name == custseg::data::source::STDIN {
        return "standard-input".to_string();
    }
    let name = name.trim_end_matches(".gz");
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

pub fn run(args: &ReportArgs, timings: &mut Timings) -> Result<()> {
    let config = args.effective_config()?;
    if args.print_config {
        super::out(config.to_toml()?)?;
        return Ok(());
    }
    check_output(
        &args.output_path(&config),
        "--output",
        &["html", "htm"],
        config.input.as_deref().as_slice(),
    )?;
    // Drawn only on a terminal: indicatif hides itself when stderr is not one.
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress.enable_steady_tick(std::time::Duration::from_millis(120));
    progress.set_message("reading and cleaning transactions");
    let options = config.load_options()?;
    let transactions = match &config.input {
        Some(path) => Transactions::load(path, &options)?,
        None => Transactions::bundled(&options)?,
    };
    timings.mark("load");
    progress.set_message("scoring, segmenting and drawing charts");
    let mut templates = match &args.templates {
        Some(folder) => Templates::from_folder(folder)?,
        None => Templates::built_in(),
    };
    if let Some(folder) = &args.playbooks {
        templates = templates.with_playbooks(Playbooks::from_folder(folder)?);
    }
    let html = render_report(&config, &transactions, &templates)?;
    timings.mark("report");
    let output = args.output_path(&config);
    write_text(&output, &html)?;
    timings.mark("write");
    progress.finish_and_clear();
    eprintln!("wrote {}", output.display());
    Ok(())
}
