//! Read one file: bytes → text → spanned tree, and decide what it is.
//!
//! A file is an input when its content says so (cli.md, "What counts as an input"). While
//! walking a folder, files that are clearly not templates are skipped without being parsed: a
//! cheap text sniff comes first, so a stray `docker-compose.yml` with custom tags is neither
//! parsed nor reported. A file that looks like a template but does not parse is an error.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::discover::Candidate;
use crate::model::Format;
use crate::parse::{Node, ParseError, Parsed, parse_json, parse_yaml};
use crate::source::{SourceFile, Span, display_path};

/// A problem with one input file. The run goes on; the exit code becomes 2.
#[derive(Clone, Debug)]
pub struct InputError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The text and span, when the problem is at a place in a readable file.
    pub source: Option<(Arc<SourceFile>, Span)>,
}

impl InputError {
    /// A problem with the file as a whole (unreadable, too large…).
    pub fn whole_file(path: &Path, message: String) -> Self {
        InputError {
            file: display_path(path, current_dir().as_deref()),
            line: 1,
            column: 1,
            message,
            source: None,
        }
    }

    pub fn at(source: &Arc<SourceFile>, span: Span, message: String) -> Self {
        let position = source.line_col(span.start);
        InputError {
            file: source.display.clone(),
            line: position.line,
            column: position.column,
            message,
            source: Some((Arc::clone(source), span)),
        }
    }

    pub fn from_parse(source: &Arc<SourceFile>, error: ParseError) -> Self {
        InputError::at(source, error.span, error.message)
    }
}

fn current_dir() -> Option<std::path::PathBuf> {
    std::env::current_dir().ok()
}

/// A parsed input, ready for normalization.
#[derive(Debug)]
pub struct Document {
    pub source: Arc<SourceFile>,
    pub format: Format,
    pub root: Node,
    /// Keys given twice in one mapping; the tree holds the last value. CloudFormation accepts
    /// such templates and deploys the last value, so they are analyzed as written rather than
    /// reported as unreadable; these spans are for a rule that flags the hidden values.
    pub duplicate_keys: Vec<ParseError>,
}

/// What reading one candidate gave.
#[derive(Debug)]
pub enum Loaded {
    Document(Document),
    Skipped,
    Error(InputError),
}

/// How files are read.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: 10 * 1024 * 1024,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Json,
}

/// Extensions that may hold an input, and how to parse them.
fn syntax_of(path: &Path) -> Option<Syntax> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".json") {
        Some(Syntax::Json)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        Some(Syntax::Yaml)
    } else if name.ends_with(".template") {
        // Either syntax; decided by the first non-blank character.
        Some(Syntax::Yaml)
    } else {
        None
    }
}

fn is_terraform_config(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.ends_with(".tf.json") || n.ends_with(".tofu.json"))
}

pub fn load(candidate: &Candidate, options: &LoadOptions) -> Loaded {
    let path = &candidate.path;
    let syntax = syntax_of(path);
    if syntax.is_none() && !candidate.explicit {
        return Loaded::Skipped;
    }
    let bytes = match read_capped(path, options.max_file_size) {
        Ok(bytes) => bytes,
        Err(message) => return Loaded::Error(InputError::whole_file(path, message)),
    };
    let display = display_path(path, current_dir().as_deref());
    let text = match decode(&bytes) {
        Ok(text) => text,
        // A walked file in another encoding is only worth an error when it looks like a
        // template; a binary blob named `.json` is just not an input.
        Err(_) if !candidate.explicit && !sniff(&String::from_utf8_lossy(&bytes), path) => {
            return Loaded::Skipped;
        }
        Err((line, column, message)) => {
            return Loaded::Error(InputError {
                file: display,
                line,
                column,
                message,
                source: None,
            });
        }
    };
    if !candidate.explicit && !sniff(&text, path) {
        return Loaded::Skipped;
    }
    let source = Arc::new(SourceFile::new(path.clone(), display, Arc::from(text)));
    if source.text.trim().is_empty() {
        return Loaded::Error(InputError::at(
            &source,
            Span::default(),
            "empty file: no template or Terraform document in it".to_owned(),
        ));
    }
    let (root, duplicate_keys) = match parse(&source.text, syntax) {
        Ok((Some(root), duplicates)) => (root, duplicates),
        Ok((None, _)) => {
            return Loaded::Error(InputError::at(
                &source,
                Span::default(),
                "empty document".to_owned(),
            ));
        }
        Err(err) => return Loaded::Error(InputError::from_parse(&source, err)),
    };
    let Some(format) = classify(&root, path) else {
        if candidate.explicit {
            return Loaded::Error(InputError::at(
                &source,
                root.span,
                "not a CloudFormation template, Terraform JSON configuration or Terraform plan"
                    .to_owned(),
            ));
        }
        return Loaded::Skipped;
    };
    Loaded::Document(Document {
        source,
        format,
        root,
        duplicate_keys,
    })
}

/// Read at most `limit` bytes. A larger file is an error whatever its metadata said: it may be
/// growing, or be a device that never ends.
fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = File::open(path).map_err(|err| format!("cannot read: {err}"))?;
    let expected = file.metadata().map_or(0, |m| m.len());
    if expected > limit {
        return Err(too_large(expected, limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read: {err}"))?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(too_large(size, limit));
    }
    Ok(bytes)
}

fn too_large(size: u64, limit: u64) -> String {
    format!("file is {size} bytes, over the {limit}-byte limit (scan.max_file_size); not parsed")
}

/// Parse by extension, `.template` (and files named explicitly) by the first non-blank
/// character. As CloudFormation does with a template body, text that starts like JSON but is
/// not valid JSON is tried as YAML, unless the name says `.json`; when both fail, the JSON
/// error is the one that fits what the author meant.
fn parse(text: &str, syntax: Option<Syntax>) -> Result<Parsed, ParseError> {
    match syntax {
        Some(Syntax::Json) => parse_json(text),
        _ if text.trim_start().starts_with('{') => {
            parse_json(text).or_else(|json_error| parse_yaml(text).map_err(|_| json_error))
        }
        _ => parse_yaml(text),
    }
}

/// Bytes → text: UTF-8 (a BOM is dropped) or UTF-16 with a BOM (PowerShell's `>` writes it).
/// Anything else is an error naming where the first bad byte is.
fn decode(bytes: &[u8]) -> Result<String, (usize, usize, String)> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode(rest);
    }
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, true)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, false)),
        _ => None,
    };
    if let Some((rest, little_endian)) = utf16 {
        let pairs = rest.chunks_exact(2);
        if !pairs.remainder().is_empty() {
            return Err((1, 1, "invalid UTF-16 text: odd number of bytes".to_owned()));
        }
        let units = pairs.map(|pair| {
            let pair: [u8; 2] = pair.try_into().unwrap_or_default();
            if little_endian {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        return char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| (1, 1, "invalid UTF-16 text".to_owned()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(err) => {
            let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(valid.get(line_start..).unwrap_or_default())
                .chars()
                .count()
                + 1;
            Err((
                line,
                column,
                format!(
                    "not valid UTF-8 (byte 0x{:02X} at offset {}); templates must be UTF-8",
                    bytes.get(err.valid_up_to()).copied().unwrap_or(0),
                    err.valid_up_to()
                ),
            ))
        }
    }
}

/// Cheap text test run before parsing a walked file.
fn sniff(text: &str, path: &Path) -> bool {
    if is_terraform_config(path) {
        return true;
    }
    if text.contains("AWSTemplateFormatVersion") {
        return true;
    }
    let cfn_types = ["AWS::", "Custom::", "Alexa::"];
    if text.contains("Resources") && cfn_types.iter().any(|t| text.contains(t)) {
        return true;
    }
    text.contains("\"format_version\"")
        && ["\"planned_values\"", "\"values\"", "\"resource_changes\""]
            .iter()
            .any(|k| text.contains(k))
}

/// What a parsed file is, by content.
fn classify(root: &Node, path: &Path) -> Option<Format> {
    root.as_map()?;
    if is_terraform_config(path) {
        return Some(Format::TerraformConfig);
    }
    if crate::normalize::cfn::is_template(root) {
        return Some(crate::normalize::cfn::format_of(root));
    }
    let plan_keys = ["planned_values", "values", "resource_changes"];
    if root.get("format_version").is_some() && plan_keys.iter().any(|k| root.get(k).is_some()) {
        return Some(Format::TerraformPlan);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_handles_boms_and_reports_bad_bytes() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
        assert_eq!(decode(b"\xFF\xFEa\0b\0").unwrap(), "ab");
        let (line, column, message) = decode(b"a: 1\nb: \xFF\n").unwrap_err();
        assert_eq!((line, column), (2, 4));
        assert!(message.contains("UTF-8"));
        assert!(decode(b"\xFF\xFEa").unwrap_err().2.contains("odd number"));
    }

    #[test]
    fn json_looking_text_falls_back_to_yaml_unless_named_json() {
        let flow = "{AWSTemplateFormatVersion: 2010-09-09, Resources: {}}";
        assert!(parse(flow, Some(Syntax::Yaml)).is_ok());
        assert!(parse(flow, None).is_ok());
        let err = parse(flow, Some(Syntax::Json)).unwrap_err();
        assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
        // When neither reading works, the JSON error is the one reported.
        let err = parse("{\"a\": [1}", None).unwrap_err();
        assert!(err.message.starts_with("invalid JSON"), "{}", err.message);
    }

    #[test]
    fn walked_binary_is_skipped_but_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.json");
        std::fs::write(&path, b"\x89PNG\r\n\x1a\n\xFF\xFE\x00").unwrap();
        let options = LoadOptions::default();
        let walked = Candidate {
            path: path.clone(),
            explicit: false,
        };
        assert!(matches!(load(&walked, &options), Loaded::Skipped));
        let named = Candidate {
            path,
            explicit: true,
        };
        let Loaded::Error(error) = load(&named, &options) else {
            panic!("a named non-UTF-8 file must be an error");
        };
        assert!(
            error.message.starts_with("not valid UTF-8"),
            "{}",
            error.message
        );
    }

    #[test]
    fn files_over_the_limit_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, "AWSTemplateFormatVersion: x\n").unwrap();
        let candidate = Candidate {
            path,
            explicit: true,
        };
        let options = LoadOptions { max_file_size: 8 };
        let Loaded::Error(error) = load(&candidate, &options) else {
            panic!("over the limit must be an error");
        };
        assert!(
            error.message.contains("over the 8-byte limit"),
            "{}",
            error.message
        );
    }
}
