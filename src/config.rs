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
    pub exclude: Exclude,
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

/// Where the globs of a configuration file are anchored: paths inside the file are relative
/// to its own folder, whichever folder is scanned and wherever iamlint runs from.
#[derive(Clone, Debug, Default)]
struct Anchor {
    /// Absolute folder of the configuration file.
    base: PathBuf,
    /// Absolute folder that relative paths given to the matchers start from.
    cwd: PathBuf,
}

impl Anchor {
    /// `path` (absolute, or relative to the current folder) relative to the configuration
    /// folder, or the absolute path when it lies outside that folder.
    fn relative(&self, path: &Path) -> Result<PathBuf, PathBuf> {
        let absolute = normalize_lexically(&self.cwd.join(path));
        match absolute.strip_prefix(&self.base) {
            Ok(relative) => Ok(relative.to_path_buf()),
            Err(_) => Err(absolute),
        }
    }
}

/// `scan.exclude`: files and folders not walked into.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    globs: GlobSet,
    anchor: Anchor,
}

impl Exclude {
    /// Whether a walked path (absolute, or relative to the current folder) is excluded. The
    /// globs are matched against the path relative to the configuration folder, so
    /// `legacy/**` means the configuration folder's `legacy`, not every folder of that name
    /// below whatever was scanned. Outside that folder only globs that match at any depth
    /// (`**/test-fixtures/**`, a bare name) can match.
    pub fn is_match(&self, path: &Path) -> bool {
        if self.globs.is_empty() {
            return false;
        }
        match self.anchor.relative(path) {
            Ok(relative) | Err(relative) => self.globs.is_match(relative),
        }
    }
}

/// `[organization]` and `[[accounts]]`: which account each template belongs to.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    org_id: Option<String>,
    entries: Vec<AccountEntry>,
    anchor: Anchor,
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
        let Ok(relative) = self.anchor.relative(path) else {
            return AccountAssignment::Unnamed;
        };
        self.entries
            .iter()
            .find(|entry| entry.paths.is_match(&relative))
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

    /// Read and validate one file; `cwd` is the current folder, which relative paths (this one,
    /// and later those given to [`Accounts::account_for`]) start from.
    pub fn load(path: &Path, cwd: &Path) -> Result<Config, ConfigError> {
        let shown = display_path(path, Some(cwd));
        let absolute = normalize_lexically(&cwd.join(path));
        let text = std::fs::read_to_string(&absolute).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
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
            Component::ParentDir => match normalized.components().next_back() {
                Some(Component::Normal(_)) => {
                    normalized.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => normalized.push(component),
            },
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
    let anchor = Anchor {
        base: base.to_path_buf(),
        cwd: cwd.to_path_buf(),
    };
    Ok(Config {
        path: None,
        accounts: accounts(raw.organization, raw.accounts, anchor.clone())?,
        scan: Scan {
            exclude: exclude(&raw.scan.exclude, anchor)?,
            max_file_size: raw.scan.max_file_size.map(|size| size.0),
        },
        rules,
    })
}

fn accounts(
    organization: Option<RawOrganization>,
    raw: Vec<RawAccount>,
    anchor: Anchor,
) -> Result<Accounts, Problem> {
    for (index, account) in raw.iter().enumerate() {
        let (name, id) = (account.name.get_ref(), &account.id.get_ref().0);
        if name.trim().is_empty() {
            return Err(Problem::at(
                account.name.span(),
                "an account name cannot be empty",
            ));
        }
        let earlier = raw.get(..index).unwrap_or_default();
        if let Some(first) = earlier.iter().find(|e| e.name.get_ref() == name) {
            return Err(Problem::at(
                account.name.span(),
                format!("account `{name}` is listed twice"),
            )
            .with_label(first.name.span(), "first listed here"));
        }
        if let Some(first) = earlier.iter().find(|e| &e.id.get_ref().0 == id) {
            return Err(Problem::at(
                account.id.span(),
                format!(
                    "account id {id} is already listed as `{}`",
                    first.name.get_ref()
                ),
            )
            .with_label(first.id.span(), "first listed here")
            .with_help("list each account once, with all of its `paths`"));
        }
    }
    let entries = raw
        .into_iter()
        .map(|account| {
            let mut paths = GlobSetBuilder::new();
            for pattern in account.paths {
                paths.add(pattern.glob);
            }
            Ok(AccountEntry {
                account: Account {
                    name: account.name.into_inner(),
                    id: account.id.into_inner().0,
                    external: account.external,
                },
                paths: build_set(paths)?,
            })
        })
        .collect::<Result<_, Problem>>()?;
    Ok(Accounts {
        org_id: organization.map(|org| org.id.0),
        entries,
        anchor,
    })
}

fn exclude(patterns: &[Spanned<Pattern>], anchor: Anchor) -> Result<Exclude, Problem> {
    let mut globs = GlobSetBuilder::new();
    for pattern in patterns {
        globs.add(pattern.get_ref().glob.clone());
    }
    Ok(Exclude {
        globs: build_set(globs)?,
        anchor,
    })
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

/// A glob relative to the configuration file's folder, read as in `.gitignore`: one with no
/// `/` but at its end matches a name at any depth, a leading `/` only anchors, a trailing `/`
/// means everything below that folder; `*` stops at `/`, `**` does not.
struct Pattern {
    glob: Glob,
}

impl ParsedString for Pattern {
    const EXPECTING: &'static str = "a glob such as \"accounts/prod/**\"";

    fn parse(text: &str) -> Result<Self, String> {
        let (path, folder) = match text.strip_suffix('/') {
            Some(path) => (path, true),
            None => (text, false),
        };
        let anchored = path.contains('/');
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.is_empty() {
            return Err(format!(
                "`{text}` is not a glob: it names no file or folder"
            ));
        }
        let mut pattern = if anchored {
            path.to_owned()
        } else {
            format!("**/{path}")
        };
        if folder {
            pattern.push_str("/**");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/repo/infra";
    const CWD: &str = "/repo";

    fn parse_ok(text: &str) -> Config {
        parse(text, Path::new(BASE), Path::new(CWD)).unwrap()
    }

    /// The message and the text under the first label.
    fn problem(text: &str) -> (String, &str) {
        let problem = parse(text, Path::new(BASE), Path::new(CWD)).unwrap_err();
        let (span, _) = problem.labels.first().cloned().unwrap();
        (problem.message, &text[span])
    }

    #[test]
    fn the_documented_example_parses() {
        let config = parse_ok(
            r#"
[organization]
id = "o-a1b2c3d4e5"

[[accounts]]
name = "prod"
id = "111111111111"
paths = ["accounts/prod/**", "stacks/prod-*.yaml"]

[[accounts]]
name = "auditor"
id = "999988887777"
external = true

[scan]
exclude = ["**/test-fixtures/**"]
max_file_size = "10MB"

[rules]
select = ["XAC002", "web-identity-trust-without-audience"]
ignore = ["any-aws-principal-trust"]
fail_on = "medium"

[rules.WIF001]
severity = "low"
"#,
        );
        assert_eq!(config.accounts.org_id(), Some("o-a1b2c3d4e5"));
        let prod = config.accounts.by_id("111111111111").unwrap();
        assert_eq!((prod.name.as_str(), prod.external), ("prod", false));
        assert!(config.accounts.by_id("999988887777").unwrap().external);
        let org: Vec<&str> = config
            .accounts
            .organization_accounts()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(org, ["111111111111"]);
        assert!(config.accounts.is_configured());
        assert_eq!(config.scan.max_file_size, Some(10_000_000));
        assert!(
            config
                .scan
                .exclude
                .is_match(Path::new("infra/a/test-fixtures/b/template.yaml"))
        );
        let rules = &config.rules;
        assert_eq!(
            rules.select.as_deref(),
            Some(&["XAC002", "WIF001"].map(String::from)[..])
        );
        assert_eq!(rules.ignore, ["XAC002"]);
        assert_eq!(rules.fail_on, Some(Severity::Medium));
        assert_eq!(rules.severities, [("WIF001".to_owned(), Severity::Low)]);
        assert!(rules.options.is_empty());
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = parse_ok("# nothing configured yet\n");
        assert!(!config.accounts.is_configured());
        assert_eq!(config.accounts.org_id(), None);
        assert_eq!(config.scan.max_file_size, None);
        assert_eq!(config.rules.fail_on(), Severity::Low);
        let settings = config.settings(vec![PathBuf::from(".")]);
        assert_eq!(
            settings.load.max_file_size,
            LoadOptions::default().max_file_size
        );
        assert!(settings.selection.select.is_empty());
    }

    #[test]
    fn invalid_toml_points_at_the_syntax_error() {
        let text = "[scan]\nexclude = [\"a\" \"b\"]\n";
        let invalid = parse(text, Path::new(BASE), Path::new(CWD)).unwrap_err();
        assert!(
            invalid.message.contains("missing comma"),
            "{}",
            invalid.message
        );
        let (span, _) = invalid.labels.first().cloned().unwrap();
        assert_eq!(span.start, text.find("\"b\"").unwrap());

        let (message, at) = problem("[scan]\nexclude = []\n[scan]\n");
        assert_eq!(message, "duplicate key");
        assert_eq!(at, "scan");
    }

    #[test]
    fn unknown_keys_are_errors_at_the_key() {
        for (text, key) in [
            ("colour = true\n", "colour"),
            ("[scan]\nexlude = []\n", "exlude"),
            (
                "[organization]\nid = \"o-a1b2c3d4e5\"\nname = \"acme\"\n",
                "name",
            ),
            (
                "[[accounts]]\nname = \"a\"\nid = \"111111111111\"\npath = [\"x/**\"]\n",
                "path",
            ),
        ] {
            let (message, at) = problem(text);
            assert!(message.contains("unknown field"), "{message}");
            assert_eq!(at, key);
        }
    }

    #[test]
    fn wrong_types_and_missing_keys_are_errors() {
        let (message, at) =
            problem("[[accounts]]\nname = \"a\"\nid = \"111111111111\"\nexternal = \"yes\"\n");
        assert!(message.contains("invalid type"), "{message}");
        assert_eq!(at, "\"yes\"");

        let (message, at) = problem("[[accounts]]\nname = \"a\"\nid = 111111111111\n");
        assert!(message.contains("invalid type"), "{message}");
        assert_eq!(at, "111111111111");

        let (message, _) = problem("[[accounts]]\nname = \"a\"\n");
        assert!(message.contains("missing field `id`"), "{message}");

        let (message, at) = problem("[rules]\nfail_on = \"severe\"\n");
        assert!(message.contains("unknown variant `severe`"), "{message}");
        assert_eq!(at, "\"severe\"");

        let (message, at) = problem("rules = 3\n");
        assert_eq!(message, "`rules` must be a table");
        assert_eq!(at, "3");
    }

    #[test]
    fn ids_are_checked_at_their_value() {
        let (message, at) = problem("[[accounts]]\nname = \"a\"\nid = \"1111-1111-1111\"\n");
        assert_eq!(
            message,
            "`1111-1111-1111` is not an AWS account id: expected exactly 12 digits"
        );
        assert_eq!(at, "\"1111-1111-1111\"");

        let (message, at) = problem("[organization]\nid = \"o-short\"\n");
        assert!(message.contains("not an organization id"), "{message}");
        assert_eq!(at, "\"o-short\"");
    }

    #[test]
    fn accounts_are_listed_once() {
        let text = "[[accounts]]\nname = \"prod\"\nid = \"111111111111\"\n\n[[accounts]]\nname = \"prod\"\nid = \"222222222222\"\n";
        let twice = parse(text, Path::new(BASE), Path::new(CWD)).unwrap_err();
        assert_eq!(twice.message, "account `prod` is listed twice");
        let second = text.rfind("\"prod\"").unwrap();
        let first = text.find("\"prod\"").unwrap();
        assert_eq!(
            twice.labels,
            [
                (second..second + 6, None),
                (first..first + 6, Some("first listed here".to_owned()))
            ]
        );

        let text = "[[accounts]]\nname = \"prod\"\nid = \"111111111111\"\n\n[[accounts]]\nname = \"other\"\nid = \"111111111111\"\n";
        let (message, _) = problem(text);
        assert_eq!(
            message,
            "account id 111111111111 is already listed as `prod`"
        );

        let (message, at) = problem("[[accounts]]\nname = \" \"\nid = \"111111111111\"\n");
        assert_eq!(message, "an account name cannot be empty");
        assert_eq!(at, "\" \"");
    }

    #[test]
    fn bad_globs_are_errors_at_the_pattern() {
        let (message, at) = problem("[scan]\nexclude = [\"ok/**\", \"bad/[z-a]\"]\n");
        assert!(message.contains("bad/[z-a]"), "{message}");
        assert_eq!(at, "\"bad/[z-a]\"");

        let (message, at) =
            problem("[[accounts]]\nname = \"a\"\nid = \"111111111111\"\npaths = [\"x/{a,b\"]\n");
        assert!(message.contains("x/{a,b"), "{message}");
        assert_eq!(at, "\"x/{a,b\"");

        let (message, at) = problem("[scan]\nexclude = [\"/\"]\n");
        assert_eq!(message, "`/` is not a glob: it names no file or folder");
        assert_eq!(at, "\"/\"");
    }

    #[test]
    fn rules_keys_are_checked_against_the_registry() {
        let (message, at) = problem("[rules]\nselect = [\"XAC002\", \"XAC999\"]\n");
        assert_eq!(message, "unknown rule `XAC999`");
        assert_eq!(at, "\"XAC999\"");

        let (message, at) = problem("[rules]\nignore = [\"no-such-rule\"]\n");
        assert_eq!(message, "unknown rule `no-such-rule`");
        assert_eq!(at, "\"no-such-rule\"");

        let (message, at) = problem("[rules.XAC999]\nseverity = \"low\"\n");
        assert_eq!(message, "unknown rule `XAC999` in [rules]");
        assert_eq!(at, "XAC999");

        let (message, at) = problem("[rules]\nXAC002 = \"low\"\n");
        assert_eq!(message, "`rules.XAC002` must be a table");
        assert_eq!(at, "\"low\"");

        let (message, at) = problem(
            "[rules.XAC002]\nseverity = \"low\"\n[rules.any-aws-principal-trust]\nseverity = \"high\"\n",
        );
        assert_eq!(message, "rule XAC002 is configured twice");
        assert_eq!(at, "any-aws-principal-trust");
    }

    #[test]
    fn rule_tables_set_severity_and_pass_options_to_the_rule() {
        let config = parse_ok("[rules.any-aws-principal-trust]\nseverity = \"info\"\n");
        assert_eq!(
            config.rules.severities,
            [("XAC002".to_owned(), Severity::Info)]
        );

        let (message, at) =
            problem("[rules.XAC002]\nseverity = \"low\"\nmax_inline_policies = 2\n");
        assert_eq!(
            message,
            "unknown option `max_inline_policies`: rule XAC002 (any-aws-principal-trust) takes no options"
        );
        assert_eq!(at, "max_inline_policies");

        let (message, at) = problem("[rules.WIF001]\nseverity = \"urgent\"\n");
        assert!(message.contains("unknown variant `urgent`"), "{message}");
        assert_eq!(at, "\"urgent\"");
    }

    #[test]
    fn sizes_take_si_and_iec_units() {
        for (text, bytes) in [
            ("1", 1),
            ("512B", 512),
            ("512KB", 512_000),
            ("512kb", 512_000),
            ("10MB", 10_000_000),
            ("10 MB", 10_000_000),
            ("1GB", 1_000_000_000),
            ("512KiB", 512 * 1024),
            ("10MiB", 10 * 1024 * 1024),
            ("1GiB", 1 << 30),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for text in ["", "MB", "1.5MB", "-1", "10 parsecs", "10M", "0", "0KB"] {
            assert!(parse_size(text).is_err(), "{text}");
        }
        assert_eq!(
            parse_size("99999999999999999999GiB").unwrap_err(),
            "`99999999999999999999GiB` is not a size: expected a whole number of bytes, or one with a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. \"10MB\""
        );
        assert_eq!(
            parse_size("99999999999GiB").unwrap_err(),
            "`99999999999GiB` is too large"
        );
    }

    #[test]
    fn sizes_in_the_file_are_integers_or_strings() {
        let config = parse_ok("[scan]\nmax_file_size = 2048\n");
        assert_eq!(config.scan.max_file_size, Some(2048));
        let (message, at) = problem("[scan]\nmax_file_size = -5\n");
        assert_eq!(message, "the maximum file size cannot be negative");
        assert_eq!(at, "-5");
        let (message, at) = problem("[scan]\nmax_file_size = \"1.5GB\"\n");
        assert!(message.starts_with("`1.5GB` is not a size"), "{message}");
        assert_eq!(at, "\"1.5GB\"");
        let (message, _) = problem("[scan]\nmax_file_size = true\n");
        assert!(message.contains("invalid type"), "{message}");
    }

    fn accounts(paths: &str) -> Accounts {
        parse_ok(&format!(
            "[[accounts]]\nname = \"prod\"\nid = \"111111111111\"\npaths = {paths}\n\n\
             [[accounts]]\nname = \"all\"\nid = \"222222222222\"\npaths = [\"**\"]\n"
        ))
        .accounts
    }

    fn account_name(accounts: &Accounts, path: &str) -> Option<String> {
        match accounts.account_for(Path::new(path)) {
            AccountAssignment::Configured(account) => Some(account.name.clone()),
            AccountAssignment::Unnamed => None,
        }
    }

    #[test]
    fn account_paths_are_relative_to_the_config_folder_and_first_match_wins() {
        let accounts = accounts(r#"["accounts/prod/**", "stacks/prod-*.yaml"]"#);
        let name = |path| account_name(&accounts, path);
        // The config folder is /repo/infra and the current folder /repo.
        assert_eq!(
            name("/repo/infra/accounts/prod/a/b.yaml").as_deref(),
            Some("prod")
        );
        assert_eq!(name("infra/accounts/prod/b.yaml").as_deref(), Some("prod"));
        assert_eq!(
            name("./infra/stacks/prod-app.yaml").as_deref(),
            Some("prod")
        );
        assert_eq!(
            name("other/../infra/stacks/prod-app.yaml").as_deref(),
            Some("prod")
        );
        // `*` does not cross folders; the catch-all second account gets the rest.
        assert_eq!(name("infra/stacks/x/prod-app.yaml").as_deref(), Some("all"));
        assert_eq!(name("infra/accounts/dev/a.yaml").as_deref(), Some("all"));
        // Outside the config folder: no glob applies.
        assert_eq!(name("accounts/prod/a.yaml"), None);
        assert_eq!(name("/elsewhere/a.yaml"), None);
    }

    #[test]
    fn a_glob_without_a_slash_matches_a_name_at_any_depth() {
        let accounts = accounts(r#"["prod-*.yaml", "/top.yaml", "shared/", "/ci/"]"#);
        let name = |path| account_name(&accounts, path);
        assert_eq!(name("infra/a/shared/b/c.yaml").as_deref(), Some("prod"));
        assert_eq!(name("infra/ci/c.yaml").as_deref(), Some("prod"));
        assert_eq!(name("infra/a/ci/c.yaml").as_deref(), Some("all"));
        assert_eq!(name("infra/prod-a.yaml").as_deref(), Some("prod"));
        assert_eq!(name("infra/deep/er/prod-a.yaml").as_deref(), Some("prod"));
        assert_eq!(name("infra/top.yaml").as_deref(), Some("prod"));
        assert_eq!(name("infra/sub/top.yaml").as_deref(), Some("all"));
    }

    #[test]
    fn without_accounts_every_template_is_in_the_unnamed_account() {
        let accounts = Accounts::default();
        assert_eq!(
            accounts.account_for(Path::new("a.yaml")),
            AccountAssignment::Unnamed
        );
        assert!(!accounts.is_configured());
        assert_eq!(accounts.organization_accounts().count(), 0);
    }

    #[test]
    fn exclude_globs_are_relative_to_the_config_folder() {
        let config = parse_ok("[scan]\nexclude = [\"legacy/**\", \"*.draft.yaml\"]\n");
        let exclude = &config.scan.exclude;
        // The configuration is in /repo/infra and iamlint runs from /repo.
        assert!(exclude.is_match(Path::new("infra/legacy/a.yaml")));
        assert!(exclude.is_match(Path::new("/repo/infra/legacy/a.yaml")));
        assert!(exclude.is_match(Path::new("infra/x/y/app.draft.yaml")));
        assert!(!exclude.is_match(Path::new("infra/stacks/legacy/a.yaml")));
        assert!(!exclude.is_match(Path::new("legacy/a.yaml")));
        assert!(!exclude.is_match(Path::new("/repo/infra/stacks/app.yaml")));
        assert!(!exclude.is_match(Path::new("/repo/infra/legacyx/a.yaml")));
        // Outside the configuration folder only a glob that matches at any depth applies.
        assert!(exclude.is_match(Path::new("/elsewhere/app.draft.yaml")));
        assert!(!exclude.is_match(Path::new("/elsewhere/legacy/a.yaml")));
    }

    #[test]
    fn command_line_flags_layer_over_the_file() {
        let file = parse_ok(
            "[rules]\nselect = [\"XAC002\", \"WIF001\"]\nignore = [\"WIF001\"]\nfail_on = \"high\"\n",
        )
        .rules;

        let mut rules = file.clone();
        rules.update(Rules::default());
        assert_eq!(rules.fail_on(), Severity::High);
        assert_eq!(rules.ignore, ["WIF001"]);

        let mut rules = file.clone();
        rules.update(Rules {
            ignore: vec!["XAC002".to_owned()],
            fail_on: Some(Severity::Critical),
            ..Rules::default()
        });
        assert_eq!(rules.select.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(rules.ignore, ["WIF001", "XAC002"]);
        assert_eq!(rules.fail_on(), Severity::Critical);

        let mut rules = file;
        rules.update(Rules {
            select: Some(vec!["WIF001".to_owned()]),
            ..Rules::default()
        });
        let selection = rules.selection();
        assert_eq!(selection.select, ["WIF001"]);
        assert!(
            selection.ignore.is_empty(),
            "a command-line select starts afresh"
        );
    }

    #[test]
    fn the_nearest_file_is_found_upward_and_the_search_stops_at_the_repository_root() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        std::fs::write(root.path().join("iamlint.toml"), "").unwrap();
        std::fs::write(deep.join("t.yaml"), "").unwrap();
        // Above .git does not count.
        assert_eq!(nearest_file(&deep), None);

        std::fs::write(repo.join(".iamlint.toml"), "").unwrap();
        assert_eq!(
            nearest_file(&deep.join("t.yaml")),
            Some(repo.join(".iamlint.toml"))
        );
        // The repository root itself is searched, and iamlint.toml comes first.
        std::fs::write(repo.join("iamlint.toml"), "").unwrap();
        assert_eq!(nearest_file(&deep), Some(repo.join("iamlint.toml")));
        std::fs::write(repo.join("a/.iamlint.toml"), "").unwrap();
        assert_eq!(nearest_file(&deep), Some(repo.join("a/.iamlint.toml")));
    }

    #[test]
    fn paths_are_normalized_without_the_file_system() {
        assert_eq!(
            normalize_lexically(Path::new("/a/./b/../c")),
            Path::new("/a/c")
        );
        assert_eq!(normalize_lexically(Path::new("/..")), Path::new("/"));
        assert_eq!(normalize_lexically(Path::new("../x")), Path::new("../x"));
    }

    #[test]
    fn an_invalid_file_renders_with_its_name_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("iamlint.toml");
        std::fs::write(
            &path,
            "[organization]\nid = \"o-a1b2c3d4e5\"\n\n[scan]\nexlude = [\"x\"]\n",
        )
        .unwrap();
        let err = Config::load(&path, dir.path()).unwrap_err();
        let mut rendered = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut rendered, &err)
            .unwrap();
        assert!(rendered.contains("iamlint::config::invalid"), "{rendered}");
        assert!(rendered.contains("unknown field `exlude`"), "{rendered}");
        assert!(rendered.contains("[iamlint.toml:5:1]"), "{rendered}");
        assert!(rendered.contains(" 5 │ exlude = [\"x\"]"), "{rendered}");
    }

    #[test]
    fn an_unreadable_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            Config::find(Some(Path::new("missing.toml")), Path::new("."), dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read the configuration file missing.toml"),
            "{err}"
        );
    }
}
