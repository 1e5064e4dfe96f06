//! The registry, the documentation pages, the fixtures and the spec agree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use iamlint::rules::ALL_RULES;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn codes_and_names_are_unique_sorted_and_kebab_case() {
    let codes: Vec<&str> = ALL_RULES.iter().map(|r| r.meta().code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        codes, sorted,
        "ALL_RULES must be sorted by code, without repeats"
    );
    let names: BTreeSet<&str> = ALL_RULES.iter().map(|r| r.meta().name).collect();
    assert_eq!(names.len(), ALL_RULES.len(), "rule names must be unique");
    for name in names {
        assert!(
            name.split('-').all(|w| !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{name} is not kebab-case"
        );
    }
}

/// When the shared spec is beside the checkout, every implemented rule matches its row there.
#[test]
fn rules_match_the_spec() {
    let spec = Path::new(ROOT).join("../shared/spec/rules.md");
    let Ok(spec) = fs::read_to_string(&spec) else {
        eprintln!("shared/spec/rules.md not found; skipping");
        return;
    };
    for rule in ALL_RULES {
        let meta = rule.meta();
        let in_spec_family = ["WIF", "COG", "XAC", "POL", "ESC"]
            .iter()
            .any(|family| meta.code.starts_with(family));
        if !in_spec_family {
            assert!(
                meta.docs.contains("iamlint extension"),
                "{} is outside the spec's families: its page must say it is an iamlint extension",
                meta.code
            );
            continue;
        }
        let row = spec
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", meta.code)))
            .unwrap_or_else(|| panic!("{} is not in rules.md", meta.code));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(
            cells[2], meta.name,
            "{}: name differs from rules.md",
            meta.code
        );
        assert_eq!(
            cells[3],
            meta.severity.as_str(),
            "{}: severity differs from rules.md",
            meta.code
        );
    }
}

#[test]
fn every_rule_has_a_doc_page_with_the_required_headings() {
    for rule in ALL_RULES {
        let meta = rule.meta();
        let docs = meta.docs;
        assert!(
            docs.starts_with(&format!("# {} {}\n", meta.code, meta.name)),
            "rules/{}.md must start with `# {} {}`",
            meta.code,
            meta.code,
            meta.name
        );
        for heading in [
            "## What it flags",
            "## Why it matters",
            "## Bad",
            "## Good",
            "## How to fix",
            "## How to suppress",
        ] {
            assert!(
                docs.contains(heading),
                "rules/{}.md lacks `{heading}`",
                meta.code
            );
        }
    }
}

#[test]
fn every_rule_has_bad_and_good_fixtures_and_nothing_is_orphaned() {
    let codes: BTreeSet<String> = ALL_RULES.iter().map(|r| r.meta().code.to_owned()).collect();
    for code in &codes {
        let dir = Path::new(ROOT).join("fixtures/rules").join(code);
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("fixtures/rules/{code} is missing"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad_")),
            "{code}: no bad_ fixture"
        );
        assert!(
            names.iter().any(|n| n.starts_with("good_")),
            "{code}: no good_ fixture"
        );
    }
    for dir in ["rules", "fixtures/rules"] {
        for entry in fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let code = name.trim_end_matches(".md");
            assert!(codes.contains(code), "{dir}/{name} belongs to no rule");
        }
    }
}
