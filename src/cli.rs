//! Command line: clap arguments → validated [`Settings`], run, write the report, exit code.
//!
//! The contract is `cli.md`: `iamlint check` (also the default when no sub-command is given),
//! `iamlint rules`, `iamlint explain`, plus `iamlint completions`. Invalid flags exit 2.
//! Everything that depends on the terminal or the environment (colour, the progress spinner,
//! GitHub's job summary file) is decided here, so reporters stay pure.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ColorChoice, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::check;
use crate::config::{Config, Rules};
use crate::discover::NamedFiles;
use crate::finding::Severity;
use crate::graph::export::{GraphFormat, View};
use crate::report::{ReportFormat, ReportOptions, Workspace, github, write_report};
use crate::rules::{ALL_RULES, find_rule};
use crate::suppress::Baseline;
use crate::{Outcome, Settings};

/// Static analysis of AWS IAM in CloudFormation, SAM, CDK and Terraform JSON.
///
/// Examples:
///   iamlint check templates/
///   iamlint templates/ --format json --output report.json
///   iamlint check --select WIF001,XAC002 --fail-on high stacks/app.yaml
///   iamlint check --format sarif --output iamlint.sarif .
///   iamlint check --format github .          # annotations in GitHub Actions
///   iamlint explain WIF001
///   iamlint completions bash > ~/.local/share/bash-completion/completions/iamlint
///
/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 unreadable input or bad usage.
#[derive(Debug, Parser)]
// Verbatim: the examples are one per line.
#[command(
    name = "iamlint",
    version,
    args_conflicts_with_subcommands = true,
    verbatim_doc_comment
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check templates (the default command).
    Check(CheckArgs),
    /// Print the IAM graph: principals, policies, providers, pools and who can assume what.
    Graph(GraphArgs),
    /// List every rule: code, name, severity, summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain {
        /// Rule code or name, e.g. WIF001 or web-identity-trust-without-audience.
        rule: String,
    },
    /// What a principal can effectively do, whether it is admin-equivalent, and who can reach it.
    ///
    /// Examples:
    ///   iamlint explain-principal prod-deployer stacks/
    ///   iamlint explain-principal DeployRole --format json .
    #[command(verbatim_doc_comment)]
    ExplainPrincipal(ExplainPrincipalArgs),
    /// Print a shell completion script.
    ///
    /// Examples:
    ///   iamlint completions bash > ~/.local/share/bash-completion/completions/iamlint
    ///   iamlint completions zsh > "${fpath[1]}/_iamlint"
    ///   iamlint completions fish > ~/.config/fish/completions/iamlint.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell to complete in.
        shell: Shell,
    },
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or folders to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format. `github` also appends a summary to $GITHUB_STEP_SUMMARY when it is set.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 (default: `rules.fail_on` from the
    /// configuration file, else low).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Run only these rules (codes or names, comma-separated); replaces the configuration
    /// file's `select` and `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    select: Vec<String>,
    /// Skip these rules (codes or names, comma-separated); adds to the configuration file's
    /// `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    ignore: Vec<String>,
    /// Configuration file (default: the nearest iamlint.toml or .iamlint.toml from the first
    /// PATH upward to the repository root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Hide findings whose fingerprint is recorded in FILE (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the fingerprints of this run's findings in FILE, to adopt iamlint on an existing
    /// estate and fail only on new problems later.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Print only findings, no summary and no progress spinner.
    #[arg(long, short)]
    quiet: bool,
    /// Colour in the human report: `auto` when writing to a terminal and NO_COLOR is unset.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also list the findings hidden by suppressions, with each suppression's reason (human,
    /// json and sarif formats).
    #[arg(long)]
    show_suppressed: bool,
    /// Skip files named on the command line that are not templates, as when walking a folder,
    /// instead of reporting them as errors (for hooks that pass every changed YAML/JSON file).
    #[arg(long)]
    skip_unrecognized: bool,
    /// Apply the configuration's `scan.exclude` to files named on the command line too.
    #[arg(long)]
    force_exclude: bool,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// Files or folders to read.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Show only the neighbourhood of this node (IAM name, logical id or Terraform address).
    #[arg(long, value_name = "NODE")]
    focus: Option<String>,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Configuration file, as for `check`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ExplainPrincipalArgs {
    /// IAM name, logical id or Terraform address of a role, user or group.
    name: String,
    /// Files or folders to read.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
    /// Configuration file, as for `check`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Parse the process arguments, run, and return the exit code.
pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    let result = match cli.command {
        Some(Command::Check(args)) => run_check(args),
        None => run_check(cli.check),
        Some(Command::Graph(args)) => run_graph(args),
        Some(Command::Rules(args)) => list_rules(args.format).map(|()| 0),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::ExplainPrincipal(args)) => explain_principal(args),
        Some(Command::Completions { shell }) => completions(shell),
    };
    result.unwrap_or_else(|err| {
        eprintln!("iamlint: {err}");
        2
    })
}

fn run_check(args: CheckArgs) -> Result<u8, String> {
    let Some(mut config) = load_config(args.config.as_deref(), &args.paths)? else {
        return Ok(2);
    };
    config.rules.update(Rules {
        select: (!args.select.is_empty()).then_some(args.select),
        ignore: args.ignore,
        fail_on: args.fail_on,
        ..Rules::default()
    });
    let fail_on = config.rules.fail_on();
    let mut settings = config.settings(args.paths);
    settings.named = NamedFiles {
        force_exclude: args.force_exclude,
        skip_unrecognized: args.skip_unrecognized,
    };
    if let Some(path) = &args.baseline {
        settings.baseline = Some(Baseline::read(path)?);
    }
    let unknown = settings.selection.unknown_selectors();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown rule code or name: {} (see `iamlint rules`)",
            unknown.join(", ")
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let spinner = (!args.quiet).then(|| spinner(&settings)).flatten();
    let outcome = pool.install(|| check(&settings));
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }

    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let options = ReportOptions {
        color: use_color(args.color, to_terminal, std::env::var_os("NO_COLOR")),
        quiet: args.quiet,
        show_suppressed: args.show_suppressed,
        workspace: Workspace::detect(),
        rules: ALL_RULES
            .iter()
            .map(|r| r.meta())
            .filter(|m| settings.selection.enabled(m))
            .collect(),
    };
    let written = match &args.output {
        Some(path) => File::create(path)
            .and_then(|file| {
                let mut out = BufWriter::new(file);
                write_report(args.format, &outcome, &options, &mut out)?;
                out.flush()
            })
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = io::stdout().lock();
            write_report(args.format, &outcome, &options, &mut out)
                .and_then(|()| out.flush())
                .or_else(ignore_broken_pipe)
                .map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    written?;
    if let Some(path) = &args.write_baseline {
        Baseline::of(&outcome.findings).write(path)?;
    }
    if args.format == ReportFormat::Github {
        append_step_summary(&outcome, &options);
    }
    Ok(outcome.exit_code(fail_on))
}

/// `iamlint.toml` for a run over `paths`; `None` when it is invalid, reported on stderr.
fn load_config(explicit: Option<&Path>, paths: &[PathBuf]) -> Result<Option<Config>, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let start = paths.first().map_or(Path::new("."), PathBuf::as_path);
    match Config::find(explicit, start, &cwd) {
        Ok(config) => Ok(Some(config)),
        Err(err) => {
            // Rendered with the file's excerpt and a label, which one `iamlint: …` line cannot.
            eprintln!("{:?}", miette::Report::new(err));
            Ok(None)
        }
    }
}

fn run_graph(args: GraphArgs) -> Result<u8, String> {
    let Some(config) = load_config(args.config.as_deref(), &args.paths)? else {
        return Ok(2);
    };
    let settings = config.settings(args.paths);
    let outcome = check(&settings);
    let view = View::new(&outcome.graph, &outcome.findings, args.focus.as_deref())?;
    let write = |out: &mut dyn Write| {
        crate::graph::export::write(&view, args.format, &outcome.sources, out)?;
        out.flush()
    };
    match &args.output {
        Some(path) => File::create(path)
            .and_then(|file| write(&mut BufWriter::new(file)))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => write(&mut io::stdout().lock())
            .or_else(ignore_broken_pipe)
            .map_err(|e| format!("cannot write the graph: {e}"))?,
    }
    for error in &outcome.errors {
        eprintln!(
            "iamlint: {}:{}:{}: {}",
            error.file, error.line, error.column, error.message
        );
    }
    Ok(if outcome.errors.is_empty() { 0 } else { 2 })
}

fn explain_principal(args: ExplainPrincipalArgs) -> Result<u8, String> {
    use crate::graph::explain::{Lookup, explain, find, write_human};
    let Some(config) = load_config(args.config.as_deref(), &args.paths)? else {
        return Ok(2);
    };
    let settings = config.settings(args.paths);
    let outcome = check(&settings);
    for error in &outcome.errors {
        eprintln!(
            "iamlint: {}:{}:{}: {}",
            error.file, error.line, error.column, error.message
        );
    }
    let node = match find(&outcome.graph, &outcome.sources, &args.name) {
        Lookup::Found(node) => node,
        Lookup::Ambiguous(candidates) => {
            eprintln!(
                "iamlint: `{}` names {} principals; narrow the paths, or name one by its logical id or Terraform address where those differ:",
                args.name,
                candidates.len()
            );
            for candidate in candidates {
                eprintln!("  {candidate}");
            }
            return Ok(2);
        }
        Lookup::NotFound => {
            return Err(format!(
                "no role, user or group named `{}` in the scanned files (IAM name, logical id or Terraform address)",
                args.name
            ));
        }
    };
    let explanation = explain(&outcome.graph, &outcome.sources, node);
    let mut out = io::stdout().lock();
    let written = match args.format {
        ListFormat::Json => serde_json::to_writer_pretty(&mut out, &explanation)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        ListFormat::Human => write_human(&explanation, &mut out),
    };
    written
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)
        .map_err(|e| format!("cannot write: {e}"))?;
    Ok(if outcome.errors.is_empty() { 0 } else { 2 })
}

/// `auto` colours a terminal unless NO_COLOR is set to anything but "" (no-color.org).
fn use_color(choice: ColorChoice, to_terminal: bool, no_color: Option<OsString>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// A spinner on stderr while a run takes long enough to wonder, for a person at a terminal.
/// Never in a pipe, a CI log or a test: stderr is no terminal there.
fn spinner(settings: &Settings) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let style = ProgressStyle::with_template("{spinner} checking {msg} ({elapsed})").ok()?;
    let paths: Vec<String> = settings
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let spinner = ProgressBar::new_spinner()
        .with_style(style)
        .with_message(paths.join(" "));
    spinner.enable_steady_tick(Duration::from_millis(100));
    Some(spinner)
}

/// In GitHub Actions, add the Markdown summary to the job's page. A failure here only warns:
/// the annotations, the exit code and any SARIF file are what CI relies on.
fn append_step_summary(outcome: &Outcome, options: &ReportOptions) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let blob_url = (|| {
        let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".to_owned());
        Some(format!(
            "{server}/{}/blob/{}",
            var("GITHUB_REPOSITORY")?,
            var("GITHUB_SHA")?
        ))
    })();
    let appended = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|file| {
            let mut out = BufWriter::new(file);
            github::write_summary(outcome, options, blob_url.as_deref(), &mut out)?;
            out.flush()
        });
    if let Err(err) = appended {
        eprintln!(
            "iamlint: cannot append the job summary to {}: {err}",
            PathBuf::from(path).display()
        );
    }
}

/// `iamlint … | head` closing the pipe early is not an error.
fn ignore_broken_pipe(err: io::Error) -> io::Result<()> {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(err)
    }
}

#[derive(Serialize)]
struct RuleListing {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
}

fn list_rules(format: ListFormat) -> Result<(), String> {
    let listing: Vec<RuleListing> = ALL_RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleListing {
                code: m.code,
                name: m.name,
                severity: m.severity,
                summary: m.summary,
            }
        })
        .collect();
    let mut out = io::stdout().lock();
    let written = match format {
        ListFormat::Json => serde_json::to_writer_pretty(&mut out, &listing)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        ListFormat::Human => listing.iter().try_for_each(|r| {
            writeln!(
                out,
                "{:<7} {:<40} {:<9} {}",
                r.code,
                r.name,
                r.severity.as_str(),
                r.summary
            )
        }),
    };
    written
        .or_else(ignore_broken_pipe)
        .map_err(|e| format!("cannot write: {e}"))
}

/// The script is built in memory first: clap_complete panics when its writer fails, and
/// `iamlint completions bash | head` must not.
fn completions(shell: Shell) -> Result<u8, String> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "iamlint", &mut script);
    io::stdout()
        .lock()
        .write_all(&script)
        .or_else(ignore_broken_pipe)
        .map_err(|e| format!("cannot write: {e}"))?;
    Ok(0)
}

fn explain(selector: &str) -> Result<u8, String> {
    let rule = find_rule(selector)
        .ok_or_else(|| format!("no rule named `{selector}` (see `iamlint rules`)"))?;
    let mut out = io::stdout().lock();
    out.write_all(rule.meta().docs.as_bytes())
        .or_else(ignore_broken_pipe)
        .map_err(|e| format!("cannot write: {e}"))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_terminal_and_no_color() {
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, Some(OsString::new())));
        assert!(!use_color(ColorChoice::Auto, true, Some("1".into())));
        assert!(!use_color(ColorChoice::Auto, false, None));
        assert!(use_color(ColorChoice::Always, false, Some("1".into())));
        assert!(!use_color(ColorChoice::Never, true, None));
    }
}
