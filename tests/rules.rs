//! Fixture-driven rule tests: every `fixtures/rules/<CODE>/bad_*` case must yield at least one
//! finding of that rule and every `good_*` case none, with only that rule selected. The human
//! rendering of each case is snapshotted so any change in what a rule reports is reviewed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use iamlint::config::Config;
use iamlint::report::{ReportOptions, human};
use iamlint::rules::Selection;
use iamlint::{Settings, check};

fn run_case(path: &Path) {
    let code = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .expect("fixture folder is the rule code");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap();
    let relative = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path);
    // A fixture folder may carry its own iamlint.toml (accounts, rule options).
    let cwd = std::env::current_dir().unwrap();
    let config = Config::find(None, relative, &cwd).unwrap();
    let configured = config.settings(vec![relative.to_path_buf()]);
    let settings = Settings {
        selection: Selection {
            select: vec![code.to_owned()],
            ..configured.selection.clone()
        },
        ..configured
    };
    let outcome = check(&settings);
    assert!(
        outcome.errors.is_empty(),
        "{name}: unexpected input errors: {:?}",
        outcome
            .errors
            .iter()
            .map(|e| &e.message)
            .collect::<Vec<_>>()
    );
    assert!(
        outcome.files_scanned > 0,
        "{name}: no template was recognized"
    );
    let hits = outcome
        .findings
        .iter()
        .filter(|f| f.rule.code == code)
        .count();
    if name.starts_with("bad") {
        assert!(hits > 0, "{name}: expected at least one {code} finding");
    } else if name.starts_with("good") {
        assert_eq!(hits, 0, "{name}: expected no {code} finding");
    } else {
        panic!("{name}: fixture names start with bad_ or good_");
    }
    let mut rendered = Vec::new();
    human::write(&outcome, &ReportOptions::default(), &mut rendered).unwrap();
    let rendered = String::from_utf8(rendered).unwrap();
    insta::assert_snapshot!(format!("{code}__{name}"), rendered);
}

#[test]
fn rule_fixtures() {
    insta::glob!("../fixtures/rules", "*/*", run_case);
}
