//! Decoding `data/iam-catalog.tsv.gz` (format in `docs/catalog.md`).
//!
//! The file is ours and the tests load it, so a malformed row is a bug in the generator;
//! it is still reported as an error rather than a panic, and [`super::Catalog::get`] then
//! falls back to an empty catalog.

use std::collections::HashMap;

use super::{AccessLevel, Action, Catalog, ResourceTypeRef, Service, Source};

/// Bumped by the generator when the layout changes.
const FORMAT: &str = "1";

/// Far above the real ~2 MB; only guards against a corrupt length.
const MAX_TEXT: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
#[error("IAM action catalog, line {line}: {message}")]
pub struct LoadError {
    /// 0 for problems with the file as a whole.
    pub line: usize,
    pub message: String,
}

impl LoadError {
    fn whole(message: impl Into<String>) -> Self {
        LoadError {
            line: 0,
            message: message.into(),
        }
    }
}

/// The flat tables that actions point into.
#[derive(Default)]
pub(super) struct Tables<'t> {
    pub(super) actions: Vec<Action<'t>>,
    pub(super) resource_types: Vec<ResourceTypeRef<'t>>,
    pub(super) condition_keys: Vec<&'t str>,
}

/// Unwraps the gzip container the generator writes (Python's `gzip.compress`: no optional
/// header fields) around a raw deflate stream.
pub(super) fn gunzip(bytes: &[u8]) -> Result<String, LoadError> {
    let [0x1f, 0x8b, 8, 0, _, _, _, _, _, _, body @ ..] = bytes else {
        return Err(LoadError::whole(
            "not a gzip stream without optional header fields",
        ));
    };
    let Some((deflate, [_, _, _, _, s0, s1, s2, s3])) =
        body.split_at_checked(body.len().saturating_sub(8))
    else {
        return Err(LoadError::whole("truncated gzip stream"));
    };
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(deflate, MAX_TEXT)
        .map_err(|e| LoadError::whole(format!("corrupt gzip stream: {e}")))?;
    // ISIZE: the uncompressed length modulo 2^32, a cheap integrity check.
    if text.len() as u32 != u32::from_le_bytes([*s0, *s1, *s2, *s3]) {
        return Err(LoadError::whole("gzip length mismatch"));
    }
    String::from_utf8(text).map_err(|_| LoadError::whole("not UTF-8"))
}

pub(super) fn parse(text: &str) -> Result<Catalog<'_>, LoadError> {
    let mut parser = Parser::default();
    for (i, line) in text.lines().enumerate() {
        parser.line(line).map_err(|message| LoadError {
            line: i + 1,
            message,
        })?;
    }
    parser.finish_service().map_err(LoadError::whole)?;
    if parser.source.package.is_empty() {
        return Err(LoadError::whole("no source header"));
    }
    Ok(Catalog::assemble(
        parser.source,
        parser.services,
        parser.tables,
    ))
}

#[derive(Default)]
struct Parser<'t> {
    format_seen: bool,
    source: Source<'t>,
    services: Vec<Service<'t>>,
    tables: Tables<'t>,
    /// The current service's resource types: name → ARN templates.
    resources: HashMap<&'t str, &'t str>,
}

impl<'t> Parser<'t> {
    fn line(&mut self, line: &'t str) -> Result<(), String> {
        let (kind, rest) = line.split_once('\t').unwrap_or((line, ""));
        if kind != "#" && !self.format_seen {
            return Err(format!("a record before the format {FORMAT} header"));
        }
        match kind {
            "#" => self.header(rest),
            "S" => {
                let [prefix, _name] = fields(rest)?;
                self.start_service(prefix)
            }
            "R" if !self.services.is_empty() => {
                let [name, arns] = fields(rest)?;
                self.resources.insert(name, arns);
                Ok(())
            }
            "A" if !self.services.is_empty() => {
                let [name, level, types, keys] = fields(rest)?;
                self.action(name, level, types, keys)
            }
            _ => Err(format!("unexpected record {kind:?}")),
        }
    }

    fn header(&mut self, rest: &'t str) -> Result<(), String> {
        let (key, values) = rest.split_once('\t').unwrap_or((rest, ""));
        match key {
            "format" if values == FORMAT => self.format_seen = true,
            "format" => return Err(format!("format {values:?}, this build reads {FORMAT}")),
            "source" => {
                let [package, version, date] = fields(values)?;
                (self.source.package, self.source.version, self.source.date) =
                    (package, version, date);
            }
            "levels" => {
                let [package, version, _file] = fields(values)?;
                (self.source.levels_package, self.source.levels_version) = (package, version);
            }
            // Informational headers a later generator may add.
            _ => {}
        }
        Ok(())
    }

    fn start_service(&mut self, prefix: &'t str) -> Result<(), String> {
        self.finish_service()?;
        let valid = !prefix.is_empty()
            && prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(format!("service prefix {prefix:?}"));
        }
        // Lookups binary-search the services.
        if self.services.last().is_some_and(|s| s.prefix >= prefix) {
            return Err(format!("service {prefix:?} out of order"));
        }
        if self.services.len() > usize::from(u16::MAX) {
            return Err("too many services".to_owned());
        }
        let start = index(self.tables.actions.len())?;
        self.services.push(Service {
            prefix,
            actions: start..start,
        });
        self.resources.clear();
        Ok(())
    }

    /// Sorts the current service's actions by lower-case name (what lookups binary-search)
    /// and closes its range.
    fn finish_service(&mut self) -> Result<(), String> {
        let end = index(self.tables.actions.len())?;
        let Some(service) = self.services.last_mut() else {
            return Ok(());
        };
        let actions = self
            .tables
            .actions
            .get_mut(service.actions.start as usize..)
            .unwrap_or_default();
        actions.sort_unstable_by(|a, b| a.lower.cmp(&b.lower));
        let duplicate = actions.windows(2).find_map(|pair| match pair {
            [a, b] if a.lower == b.lower => Some(a.name),
            _ => None,
        });
        if let Some(name) = duplicate {
            return Err(format!("{}:{name} listed twice", service.prefix));
        }
        service.actions.end = end;
        Ok(())
    }

    fn action(
        &mut self,
        name: &'t str,
        level: &str,
        types: &'t str,
        keys: &'t str,
    ) -> Result<(), String> {
        if name.is_empty() || !name.is_ascii() {
            return Err(format!("action name {name:?}"));
        }
        let level =
            AccessLevel::from_name(level).ok_or_else(|| format!("access level {level:?}"))?;
        let types_start = index(self.tables.resource_types.len())?;
        for item in types.split(',').filter(|t| !t.is_empty()) {
            let (type_name, required) = match item.strip_suffix('*') {
                Some(type_name) => (type_name, true),
                None => (item, false),
            };
            let arns = self
                .resources
                .get(type_name)
                .ok_or_else(|| format!("{name}: resource type {type_name:?} is not defined"))?;
            self.tables.resource_types.push(ResourceTypeRef {
                name: type_name,
                required,
                arns,
            });
        }
        let keys_start = index(self.tables.condition_keys.len())?;
        self.tables
            .condition_keys
            .extend(keys.split(',').filter(|k| !k.is_empty()));
        let service = self.services.len().saturating_sub(1);
        self.tables.actions.push(Action {
            service: u16::try_from(service).map_err(|_| "too many services")?,
            name,
            lower: name.to_ascii_lowercase().into_boxed_str(),
            level,
            resource_types: types_start..index(self.tables.resource_types.len())?,
            condition_keys: keys_start..index(self.tables.condition_keys.len())?,
        });
        Ok(())
    }
}

/// Exactly `N` tab-separated fields.
fn fields<const N: usize>(rest: &str) -> Result<[&str; N], String> {
    let mut parts = rest.split('\t');
    let mut out = [""; N];
    for slot in &mut out {
        *slot = parts.next().ok_or_else(|| format!("expected {N} fields"))?;
    }
    if parts.next().is_some() {
        return Err(format!("expected {N} fields"));
    }
    Ok(out)
}

fn index(len: usize) -> Result<u32, String> {
    u32::try_from(len).map_err(|_| "table too large".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ActionId;

    const HEADER: &str =
        "#\tformat\t1\n#\tsource\tpkg\t1.0\t2026-01-01\n#\tlevels\tps\t0.1\tf.yml\n";

    fn with_header(body: &str) -> String {
        format!("{HEADER}{body}")
    }

    #[test]
    fn reads_a_small_catalog() {
        let text = with_header(
            "S\tsvc\tService\nR\tthing\tarn:a arn:b\nA\tPutThing\tWrite\tthing*\tsvc:Key\nA\tListThings\tList\t\t\n",
        );
        let catalog = parse(&text).unwrap();
        assert_eq!(catalog.source().version, "1.0");
        assert_eq!(catalog.source().levels_package, "ps");
        let put = catalog.action("SVC:putthing").unwrap();
        assert_eq!(put.level, AccessLevel::Write);
        assert_eq!(put.condition_keys, ["svc:Key"]);
        let [thing] = put.resource_types else {
            panic!("one resource type")
        };
        assert!(thing.required);
        assert_eq!(
            thing.arn_templates().collect::<Vec<_>>(),
            ["arn:a", "arn:b"]
        );
        // Sorted by lower-case name within the service.
        assert_eq!(catalog.info(ActionId(0)).unwrap().name, "ListThings");
    }

    #[test]
    fn malformed_rows_are_errors_with_a_line() {
        let cases = [
            ("S\tsvc\tS\nA\tX\tSuper\t\t\n", 5, "access level"),
            ("S\tsvc\tS\nA\tX\tRead\tnope\t\n", 5, "not defined"),
            ("S\tsvc\tS\nA\tX\tRead\t\n", 5, "expected 4 fields"),
            ("S\tb\tB\nS\ta\tA\n", 5, "out of order"),
            ("S\tBad\tB\n", 4, "service prefix"),
            ("A\tX\tRead\t\t\n", 4, "unexpected record"),
            (
                "S\tsvc\tS\nA\tX\tRead\t\t\nA\tx\tRead\t\t\n",
                0,
                "listed twice",
            ),
        ];
        for (body, line, message) in cases {
            let Err(error) = parse(&with_header(body)) else {
                panic!("{body:?} parsed");
            };
            assert_eq!(error.line, line, "{body:?}: {error}");
            assert!(error.message.contains(message), "{body:?}: {error}");
        }
        let error = parse("#\tformat\t2\n").err().unwrap();
        assert!(error.message.contains("this build reads 1"), "{error}");
    }

    #[test]
    fn gunzip_rejects_damage() {
        assert!(gunzip(b"plain text").is_err());
        let mut damaged = super::super::EMBEDDED.to_vec();
        if let Some(last) = damaged.last_mut() {
            *last ^= 1;
        }
        assert!(gunzip(&damaged).is_err());
    }
}
