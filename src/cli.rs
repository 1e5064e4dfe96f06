//! Command line: clap arguments → validated [`Settings`], run, write the report, exit code.
//!
//! The contract is `cli.md`: `iamlint check` (also the default when no sub-command is given),
//! `iamlint rules`, `iamlint explain`. Invalid flags exit 2.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::check;
use crate::config::{Config, Rules};
use crate::finding::Severity;
use crate::graph::export::{GraphFormat, View};
use crate::report::{ReportFormat, Style, write_report};
use crate::rules::{ALL_RULES, find_rule};

/// Static analysis of AWS IAM in CloudFormation, SAM, CDK and Terraform JSON.
///
/// Examples:
///   iamlint check templates/
///   iamlint templates/ --format json --output report.json
///   iamlint check --select WIF001,XAC002 --fail-on high stacks/app.yaml
///   iamlint explain WIF001
#[derive(Debug, Parser)]
#[command(name = "iamlint", version, args_conflicts_with_subcommands = true)]
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
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or folders to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
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
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Print only findings, no summary.
    #[arg(long, short)]
    quiet: bool,
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
    let settings = config.settings(args.paths);
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
    let outcome = pool.install(|| check(&settings));

    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let style = Style {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        quiet: args.quiet,
    };
    let written = match &args.output {
        Some(path) => File::create(path)
            .and_then(|file| {
                let mut out = BufWriter::new(file);
                write_report(args.format, &outcome, style, &mut out)?;
                out.flush()
            })
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = io::stdout().lock();
            write_report(args.format, &outcome, style, &mut out)
                .and_then(|()| out.flush())
                .or_else(ignore_broken_pipe)
                .map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    written?;
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
                r.code, r.name, r.severity, r.summary
            )
        }),
    };
    written
        .or_else(ignore_broken_pipe)
        .map_err(|e| format!("cannot write: {e}"))
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
