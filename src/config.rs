//! `iamlint.toml`: find it, parse it with spans, validate it, and layer it between the built-in
//! defaults and the command-line flags (defaults → file → flags).
//!
//! An invalid file stops the run with a diagnostic pointing at the offending key or value
//! (exit 2). Unknown keys are errors everywhere, since a typo in security configuration must not
//! pass silently. Paths and globs in the file are relative to the file's own folder. This module
//! decides nothing about templates: it hands [`Settings`] and [`Accounts`] to the pipeline.
//! Suppressions and baselines are not configured here.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{LabeledSpan, NamedSource};
use serde::de::{self, DeserializeOwned, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::Settings;
use crate::finding::Severity;
use crate::input::LoadOptions;
use crate::rules::{OptionsError, OptionsInput, Selection, find_rule};
use crate::source::display_path;

/// Names looked for in each folder, in this order.
pub const FILE_NAMES: [&str; 2] = ["iamlint.toml", ".iamlint.toml"];

/// `--fail-on` when neither the command line nor the file sets it.
pub const DEFAULT_FAIL_ON: Severity = Severity::Low;

/// A validated configuration: the defaults, overlaid with a file when there is one.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    pub accounts: Accounts,
    pub scan: Scan,
    pub rules: Rules,
}

/// `[scan]`.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// Files and folders not walked into, in addition to `.gitignore`.
    pub exclude: GlobSet,
    pub max_file_size: Option<u64>,
}

/// `[rules]`, and the rule flags of the command line (the same shape, so they layer).
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// Run only these rules; `None` (or empty) runs every rule.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    /// `[rules.CODE] severity`, by code.
    pub severities: Vec<(String, Severity)>,
    /// `[rules.CODE]` options, checked by the rule, by code.
    pub options: BTreeMap<String, toml::Table>,
}

impl Rules {
    /// Layer command-line flags over the file, ruff's way: a `--select` on the command line
    /// starts the selection afresh, dropping the file's `select` *and* `ignore` (so
    /// `--select XAC002` runs XAC002 even when the file ignores it); `--ignore` adds to the
    /// file's `ignore`; `--fail-on` replaces `fail_on`. Severities and options stay the file's.
    pub fn update(&mut self, flags: Rules) {
        if let Some(select) = flags.select {
            self.select = Some(select);
            self.ignore.clear();
        }
        self.ignore.extend(flags.ignore);
        if flags.fail_on.is_some() {
            self.fail_on = flags.fail_on;
        }
    }

    /// The lowest severity that makes the exit code 1.
    pub fn fail_on(&self) -> Severity {
        self.fail_on.unwrap_or(DEFAULT_FAIL_ON)
    }

    pub fn selection(&self) -> Selection {
        Selection {
            select: self.select.clone().unwrap_or_default(),
            ignore: self.ignore.clone(),
            severities: self.severities.clone(),
            options: self.options.clone(),
        }
    }
}

/// One `[[accounts]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// 12 digits.
    pub id: String,
    /// Trusted on purpose but outside the organization.
    pub external: bool,
}

/// Which account a template is deployed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountAssignment<'a> {
    /// Matched by this account's `paths`.
    Configured(&'a Account),
    /// Matched by none: the one unnamed "own account", distinct from every literal account id.
    Unnamed,
}

/// `[organization]` and `[[accounts]]`: which account each template belongs to.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    org_id: Option<String>,
    entries: Vec<AccountEntry>,
    /// Absolute folder the `paths` globs are relative to (the configuration file's).
    base: PathBuf,
    /// Absolute folder that relative paths given to [`Accounts::account_for`] start from.
    cwd: PathBuf,
}

#[derive(Clone, Debug)]
struct AccountEntry {
    account: Account,
    paths: GlobSet,
}

impl Accounts {
    /// The account of the template at `path` (absolute, or relative to the current folder):
    /// the first account, in file order, one of whose `paths` globs matches it.
    pub fn account_for(&self, path: &Path) -> AccountAssignment<'_> {
        let absolute = normalize_lexically(&self.cwd.join(path));
        let Ok(relative) = absolute.strip_prefix(&self.base) else {
            return AccountAssignment::Unnamed;
        };
        self.entries
            .iter()
            .find(|entry| entry.paths.is_match(relative))
            .map_or(AccountAssignment::Unnamed, |entry| {
                AccountAssignment::Configured(&entry.account)
            })
    }

    /// The accounts that form the organization: every listed one not marked `external`.
    pub fn organization_accounts(&self) -> impl Iterator<Item = &Account> {
        self.entries
            .iter()
            .map(|entry| &entry.account)
            .filter(|account| !account.external)
    }

    /// The listed account with this id, external or not.
    pub fn by_id(&self, id: &str) -> Option<&Account> {
        self.entries
            .iter()
            .map(|entry| &entry.account)
            .find(|account| account.id == id)
    }

    /// Whether any account is listed. Without one, every template is in the unnamed own
    /// account and nothing is known about the organization's members.
    pub fn is_configured(&self) -> bool {
        !self.entries.is_empty()
    }

    /// `[organization] id`.
    pub fn org_id(&self) -> Option<&str> {
        self.org_id.as_deref()
    }
}

impl Config {
    /// `explicit` (`--config FILE`) when given, else the nearest [`FILE_NAMES`] from `start`
    /// (the first scanned path) upward; the defaults when there is none. Relative paths are
    /// taken from `cwd`.
    pub fn find(explicit: Option<&Path>, start: &Path, cwd: &Path) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => nearest_file(&normalize_lexically(&cwd.join(start))),
        };
        match path {
            Some(path) => Config::load(&path, cwd),
            None => Ok(Config::default()),
        }
    }

    /// Read and validate one file.
    pub fn load(path: &Path, cwd: &Path) -> Result<Config, ConfigError> {
        let shown = display_path(path, Some(cwd));
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let absolute = normalize_lexically(&cwd.join(path));
        let base = absolute.parent().unwrap_or(&absolute);
        let mut config =
            parse(&text, base, cwd).map_err(|problem| problem.into_error(shown, text))?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// The run's settings: these values on top of the built-in defaults.
    pub fn settings(self, paths: Vec<PathBuf>) -> Settings {
        let mut load = LoadOptions::default();
        if let Some(max_file_size) = self.scan.max_file_size {
            load.max_file_size = max_file_size;
        }
        Settings {
            paths,
            selection: self.rules.selection(),
            load,
            exclude: self.scan.exclude,
            accounts: self.accounts,
            ..Settings::default()
        }
    }
}

/// The nearest configuration file from `start` (a file's folder, or the folder itself) up to
/// the repository root (the folder holding `.git`, a folder or a worktree's file) or `/`.
fn nearest_file(start: &Path) -> Option<PathBuf> {
    let folder = if start.is_file() {
        start.parent()?
    } else {
        start
    };
    for dir in folder.ancestors() {
        if let Some(found) = FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
        {
            return Some(found);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Resolve `.` and `..` without touching the file system, so that paths given in different
/// spellings (`./a/../b`, `b`) compare equal while symlinks stay as the user wrote them.
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normalized.pop() {
                    normalized.push(component);
                }
            }
            other => normalized.push(other),
        }
    }
    normalized
}

/// An invalid or unreadable configuration file: the run stops with exit code 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    #[diagnostic(code(iamlint::config::read))]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidConfig>),
}

/// A configuration file that does not parse or validate, with the place to show.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(iamlint::config::invalid))]
pub struct InvalidConfig {
    message: String,
    #[source_code]
    file: NamedSource<String>,
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    #[help]
    help: Option<String>,
}

/// What is wrong, where; the file is attached by [`Config::load`].
#[derive(Debug)]
struct Problem {
    message: String,
    labels: Vec<(Range<usize>, Option<String>)>,
    help: Option<String>,
}

impl Problem {
    fn at(span: Range<usize>, message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            labels: vec![(span, None)],
            help: None,
        }
    }

    fn with_label(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.labels.push((span, Some(label.into())));
        self
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn into_error(self, shown: String, text: String) -> ConfigError {
        ConfigError::Invalid(Box::new(InvalidConfig {
            message: self.message,
            file: NamedSource::new(shown, text),
            labels: self
                .labels
                .into_iter()
                .map(|(span, label)| LabeledSpan::new_with_span(label, span))
                .collect(),
            help: self.help,
        }))
    }
}

impl From<toml::de::Error> for Problem {
    fn from(err: toml::de::Error) -> Self {
        OptionsError::from(err).into()
    }
}

impl From<OptionsError> for Problem {
    fn from(err: OptionsError) -> Self {
        Problem {
            labels: err.span.map(|span| (span, None)).into_iter().collect(),
            message: err.message,
            help: None,
        }
    }
}

/// The file as written; `[rules]` is read from the spanned tree instead (see [`parse_rules`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    organization: Option<RawOrganization>,
    #[serde(default)]
    accounts: Vec<RawAccount>,
    #[serde(default)]
    scan: RawScan,
    /// Listed so that it is a known key; its keys are rule codes, checked by [`parse_rules`].
    #[serde(default, rename = "rules")]
    _rules: IgnoredAny,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganization {
    id: OrgId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    name: Spanned<String>,
    id: Spanned<AccountId>,
    #[serde(default)]
    paths: Vec<Pattern>,
    #[serde(default)]
    external: bool,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    exclude: Vec<Spanned<Pattern>>,
    max_file_size: Option<ByteSize>,
}

/// Parse and validate the text of a configuration file whose folder is `base`.
fn parse(text: &str, base: &Path, cwd: &Path) -> Result<Config, Problem> {
    let document = DeTable::parse(text)?;
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(document.clone()))?;
    let rules = match document.get_ref().get("rules") {
        Some(section) => parse_rules(section)?,
        None => Rules::default(),
    };
    Ok(Config {
        path: None,
        accounts: accounts(raw.organization, raw.accounts, base, cwd)?,
        scan: Scan {
            exclude: exclude_set(&raw.scan.exclude, base, cwd)?,
            max_file_size: raw.scan.max_file_size.map(|size| size.0),
        },
        rules,
    })
}

fn accounts(
    organization: Option<RawOrganization>,
    raw: Vec<RawAccount>,
    base: &Path,
    cwd: &Path,
) -> Result<Accounts, Problem> {
    let mut entries: Vec<AccountEntry> = Vec::with_capacity(raw.len());
    let mut spans: Vec<(Range<usize>, Range<usize>)> = Vec::with_capacity(raw.len());
    for account in raw {
        let (name_span, name) = (account.name.span(), account.name.into_inner());
        let (id_span, id) = (account.id.span(), account.id.into_inner().0);
        if name.trim().is_empty() {
            return Err(Problem::at(name_span, "an account name cannot be empty"));
        }
        let earlier = entries.iter().zip(&spans);
        if let Some((_, (first, _))) = earlier.clone().find(|(e, _)| e.account.name == name) {
            return Err(
                Problem::at(name_span, format!("account `{name}` is listed twice"))
                    .with_label(first.clone(), "first listed here"),
            );
        }
        if let Some((e, (_, first))) = earlier.clone().find(|(e, _)| e.account.id == id) {
            return Err(Problem::at(
                id_span,
                format!("account id {id} is already listed as `{}`", e.account.name),
            )
            .with_label(first.clone(), "first listed here")
            .with_help("list each account once, with all of its `paths`"));
        }
        let mut paths = GlobSetBuilder::new();
        for pattern in &account.paths {
            paths.add(pattern.glob.clone());
        }
        entries.push(AccountEntry {
            account: Account {
                name,
                id,
                external: account.external,
            },
            paths: build_set(paths)?,
        });
        spans.push((name_span, id_span));
    }
    Ok(Accounts {
        org_id: organization.map(|org| org.id.0),
        entries,
        base: base.to_path_buf(),
        cwd: cwd.to_path_buf(),
    })
}

/// `discover` matches these against a walked path relative to the folder being walked and
/// against the path as walked (relative to the current folder, or absolute). The patterns are
/// relative to the configuration file's folder, so each is also added anchored at that folder,
/// both absolute and as seen from the current folder.
fn exclude_set(patterns: &[Spanned<Pattern>], base: &Path, cwd: &Path) -> Result<GlobSet, Problem> {
    let anchors: Vec<String> = [Some(base), base.strip_prefix(cwd).ok()]
        .into_iter()
        .flatten()
        .filter(|anchor| !anchor.as_os_str().is_empty())
        .filter_map(Path::to_str)
        .map(|anchor| globset::escape(anchor.trim_end_matches('/')))
        .collect();
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let relative = pattern.get_ref().glob.glob();
        set.add(pattern.get_ref().glob.clone());
        for anchor in &anchors {
            let anchored = glob(&format!("{anchor}/{relative}"))
                .map_err(|message| Problem::at(pattern.span(), message))?;
            set.add(anchored);
        }
    }
    build_set(set)
}

fn build_set(builder: GlobSetBuilder) -> Result<GlobSet, Problem> {
    // Every glob was already built on its own; a set of valid globs fails only on resource
    // limits, which has no place in the file to point at.
    builder.build().map_err(|err| Problem {
        message: format!("cannot build the glob set: {err}"),
        labels: Vec::new(),
        help: None,
    })
}

/// `[rules]`: `select`, `ignore`, `fail_on`, and one table per rule code or name.
fn parse_rules(section: &Spanned<DeValue<'_>>) -> Result<Rules, Problem> {
    let DeValue::Table(table) = section.get_ref() else {
        return Err(Problem::at(section.span(), "`rules` must be a table"));
    };
    let mut rules = Rules::default();
    let mut configured: Vec<(&'static str, Range<usize>)> = Vec::new();
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "select" => rules.select = Some(rule_codes(value)?),
            "ignore" => rules.ignore = rule_codes(value)?,
            "fail_on" => rules.fail_on = Some(typed(value)?),
            selector => {
                let rule = find_rule(selector).ok_or_else(|| {
                    Problem::at(key.span(), format!("unknown rule `{selector}` in [rules]"))
                        .with_help("keys of [rules] are select, ignore, fail_on and rule codes or names (see `iamlint rules`)")
                })?;
                let code = rule.meta().code;
                if let Some((_, first)) = configured.iter().find(|(c, _)| *c == code) {
                    return Err(Problem::at(
                        key.span(),
                        format!("rule {code} is configured twice"),
                    )
                    .with_label(first.clone(), "first configured here"));
                }
                configured.push((code, key.span()));
                let DeValue::Table(entries) = value.get_ref() else {
                    return Err(Problem::at(
                        value.span(),
                        format!("`rules.{selector}` must be a table"),
                    )
                    .with_help(format!(
                        "write it as [rules.{code}] with `severity = \"low\"` or the rule's options"
                    )));
                };
                let mut options = DeTable::new();
                for (option, setting) in entries {
                    if option.get_ref() == "severity" {
                        rules.severities.push((code.to_owned(), typed(setting)?));
                    } else {
                        options.insert(option.clone(), setting.clone());
                    }
                }
                if !options.is_empty() {
                    let input =
                        OptionsInput::new(Spanned::new(value.span(), DeValue::Table(options)));
                    rule.validate_options(&input)?;
                    rules.options.insert(code.to_owned(), input.to_table()?);
                }
            }
        }
    }
    Ok(rules)
}

/// A list of rule codes or names, each checked against the registry, as canonical codes.
fn rule_codes(value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, Problem> {
    typed::<Vec<Spanned<String>>>(value)?
        .into_iter()
        .map(|selector| match find_rule(selector.get_ref()) {
            Some(rule) => Ok(rule.meta().code.to_owned()),
            None => Err(Problem::at(
                selector.span(),
                format!("unknown rule `{}`", selector.get_ref()),
            )
            .with_help("see `iamlint rules` for every code and name")),
        })
        .collect()
}

fn typed<T: DeserializeOwned>(value: &Spanned<DeValue<'_>>) -> Result<T, Problem> {
    T::deserialize(ValueDeserializer::from(value.clone())).map_err(Problem::from)
}

/// A string checked while it is visited, so that toml reports a rejected value at its own span
/// (with `#[serde(try_from)]` the check runs after the visit, and an array element's error
/// would point at the whole array).
trait ParsedString: Sized {
    const EXPECTING: &'static str;
    fn parse(text: &str) -> Result<Self, String>;
}

struct ParsedVisitor<T>(PhantomData<T>);

impl<T: ParsedString> Visitor<'_> for ParsedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        T::parse(text).map_err(E::custom)
    }
}

macro_rules! deserialize_parsed {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(ParsedVisitor(PhantomData))
            }
        }
    )*};
}
deserialize_parsed!(OrgId, AccountId, Pattern);

/// `o-` and 10 to 32 lowercase letters or digits, as AWS Organizations writes it.
struct OrgId(String);

impl ParsedString for OrgId {
    const EXPECTING: &'static str = "an organization id such as \"o-a1b2c3d4e5\"";

    fn parse(text: &str) -> Result<Self, String> {
        let valid = text.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        if valid {
            Ok(OrgId(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not an organization id: expected `o-` and 10 to 32 lowercase letters or digits"
            ))
        }
    }
}

struct AccountId(String);

impl ParsedString for AccountId {
    const EXPECTING: &'static str = "a 12-digit account id as a string";

    fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()) {
            Ok(AccountId(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not an AWS account id: expected exactly 12 digits"
            ))
        }
    }
}

/// A glob relative to the configuration file's folder. As in `.gitignore`, one without `/`
/// matches a name at any depth and a leading `/` only anchors; `*` stops at `/`, `**` does not.
struct Pattern {
    glob: Glob,
}

impl ParsedString for Pattern {
    const EXPECTING: &'static str = "a glob such as \"accounts/prod/**\"";

    fn parse(text: &str) -> Result<Self, String> {
        let anchored = text.strip_prefix('/').unwrap_or(text);
        let pattern = if anchored.contains('/') {
            anchored.to_owned()
        } else {
            format!("**/{anchored}")
        };
        Ok(Pattern {
            glob: glob(&pattern)?,
        })
    }
}

fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|err| err.to_string())
}

/// `scan.max_file_size`: bytes as an integer, or a string with a unit.
struct ByteSize(u64);

/// SI units are powers of 1000 and IEC units powers of 1024, as on disks and in `ls -h --si`.
const SIZE_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
];

fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let unit = unit.trim().to_ascii_lowercase();
    let factor = SIZE_UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, factor)| *factor);
    let (Ok(number), Some(factor)) = (number.parse::<u64>(), factor) else {
        return Err(format!(
            "`{text}` is not a size: expected a whole number of bytes, or one with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. \"10MB\""
        ));
    };
    positive_size(
        number
            .checked_mul(factor)
            .ok_or_else(|| format!("`{text}` is too large"))?,
    )
}

fn positive_size(bytes: u64) -> Result<u64, String> {
    if bytes == 0 {
        Err("the maximum file size must be more than 0 bytes".to_owned())
    } else {
        Ok(bytes)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;

        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size: a number of bytes, or a string such as \"10MB\" or \"512KiB\"")
            }

            fn visit_i64<E: de::Error>(self, bytes: i64) -> Result<ByteSize, E> {
                let bytes = u64::try_from(bytes)
                    .map_err(|_| E::custom("the maximum file size cannot be negative"))?;
                self.visit_u64(bytes)
            }

            fn visit_u64<E: de::Error>(self, bytes: u64) -> Result<ByteSize, E> {
                positive_size(bytes).map(ByteSize).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
                parse_size(text).map(ByteSize).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(SizeVisitor)
    }
}
