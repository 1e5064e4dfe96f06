//! A bounded, dependency-free stand-in for the `fuzz/` targets that runs in `cargo test`:
//! mutate real templates and hostile fixtures, feed them to both parsers and to the file
//! reader, and require no panic and every span inside its text.
//!
//! The mutations aim at what breaks YAML/JSON parsers: brackets, quotes, indentation, tabs,
//! anchors and aliases, truncation, splices between files. `IAMLINT_MUTATIONS=N` sets the count
//! (default 1,500, a few seconds in a debug build); the seed is fixed so a failure reproduces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use iamlint::discover::Candidate;
use iamlint::input::{LoadOptions, Loaded, load};
use iamlint::parse::{Node, Value, parse_json, parse_yaml};

/// xorshift64*: deterministic and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fragments that change structure rather than content.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ": ",
    "- ",
    "\"",
    "'",
    "\\",
    "\n",
    "\r\n",
    "\t",
    " ",
    "  ",
    "#",
    "&a ",
    "*a",
    "<<: *a\n",
    "!Ref ",
    "!GetAtt ",
    "!!str ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "?",
    "%YAML 1.2\n",
    "\u{FEFF}",
    "é",
    "\0",
    "null",
    "1e999",
    "\"\\u0000\"",
    "\"\\ud800\"",
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(8) {
            // Insert a structural token.
            0 | 1 => {
                let token = rng.pick(TOKENS).as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            // Change one byte to anything, UTF-8 or not.
            2 => {
                if let Some(byte) = data.get_mut(at) {
                    *byte = rng.next() as u8;
                }
            }
            // Delete a range.
            3 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            // Repeat a range (deeper nesting, longer lines, duplicate keys).
            4 => {
                let end = (at + rng.below(256)).min(data.len());
                let piece: Vec<u8> = data[at..end].to_vec();
                for _ in 0..1 + rng.below(8) {
                    data.splice(at..at, piece.iter().copied());
                }
            }
            // Shift a line's indentation left or right: the re-indenting pass's territory.
            5 => {
                let line = data[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    let spaces = 1 + rng.below(8);
                    data.splice(line..line, std::iter::repeat_n(b' ', spaces));
                } else {
                    let end = data[line..]
                        .iter()
                        .position(|&b| b != b' ')
                        .map_or(data.len(), |i| line + i);
                    data.drain(line..end);
                }
            }
            // Truncate.
            6 => data.truncate(at),
            // Splice in a piece of another file.
            _ => {
                let from = rng.below(other.len());
                let end = (from + rng.below(512)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
        }
    }
    data
}

fn assert_spans_inside(root: &Node, text: &str, what: &str) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let (start, end) = (node.span.start as usize, node.span.end as usize);
        assert!(
            start <= end && end <= text.len(),
            "{what}: span {start}..{end} outside a {}-byte text",
            text.len()
        );
        match &node.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for entry in entries {
                    assert!(
                        entry.key_span.end as usize <= text.len(),
                        "{what}: key span"
                    );
                    stack.push(&entry.value);
                }
            }
        }
    }
}

fn parse_both(data: &[u8], what: &str) {
    let text = String::from_utf8_lossy(data);
    if let Ok((Some(root), duplicates)) = parse_yaml(&text) {
        assert_spans_inside(&root, &text, what);
        assert!(duplicates.iter().all(|d| d.span.end as usize <= text.len()));
    }
    if let Ok((Some(root), _)) = parse_json(&text) {
        assert_spans_inside(&root, &text, what);
    }
}

/// Small seeds: the hostile fixtures, inline snippets for each re-indent case, and every 20th
/// corpus file under 16 KB when the corpus is present.
fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures/parse/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        let mut found = Vec::new();
        let mut dirs = vec![corpus];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if std::fs::metadata(&path).unwrap().len() < 16 * 1024 {
                    found.push(path);
                }
            }
        }
        found.sort();
        files.extend(found.into_iter().step_by(20));
    } else {
        eprintln!("note: ../shared/corpus is absent; mutating the fixtures only");
    }
    files.sort();
    let mut seeds: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    let inline = [
        "A:\n  k: [\n    \"x\",\n  ]\n  v: 'first\n  second'\n",
        "R:\n  S: {\"a\": 1,\n  \"b\": [1,\n  2]}\n  T: |\n    [ not flow\n",
        "a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\nc: [*a, *a]\n",
    ];
    seeds.extend(
        inline
            .iter()
            .map(|s| (PathBuf::from("inline"), s.as_bytes().to_vec())),
    );
    seeds
}

#[test]
fn mutated_inputs_never_panic_and_spans_stay_inside() {
    let iterations: usize = std::env::var("IAMLINT_MUTATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_500);
    let seeds = seeds();
    let dir = tempfile::tempdir().unwrap();
    let options = LoadOptions::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut loaded = 0usize;
    for i in 0..iterations {
        let (path, seed) = rng.pick(&seeds);
        let (_, other) = rng.pick(&seeds);
        let data = mutate(&mut rng, seed, other);
        let what = format!("mutation {i} of {}", path.display());
        parse_both(&data, &what);

        // The whole reading path (decode, sniff, parse, classify) on a real file, for some.
        if i % 8 == 0 {
            let name = if i % 16 == 0 { "t.yaml" } else { "t.json" };
            let file = dir.path().join(name);
            std::fs::write(&file, &data).unwrap();
            for explicit in [true, false] {
                let candidate = Candidate {
                    path: file.clone(),
                    explicit,
                };
                if let Loaded::Document(document) = load(&candidate, &options) {
                    assert_spans_inside(&document.root, &document.source.text, &what);
                    loaded += 1;
                }
            }
        }
    }
    // Not a property, a guard: if nothing ever loads, the mutations stopped exercising the
    // parsers' success paths.
    assert!(loaded > 0);
}
