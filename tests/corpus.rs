//! Every real template under `../shared/corpus` reads without error, except a short list of
//! files that are broken on purpose or by their authors (each also rejected by cfn-lint).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use iamlint::{Settings, check};

/// `(path under the corpus, start of the error message)`, with why the error is right.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    // cfn-lint fixture: deliberately invalid JSON (missing comma).
    (
        "cfn/cfn-lint/bad/core/config_invalid_json.json",
        "invalid JSON",
    ),
    // cfn-lint fixture: deliberately invalid YAML.
    (
        "cfn/cfn-lint/bad/core/config_invalid_yaml.yaml",
        "invalid YAML",
    ),
    // cfn-lint fixture: a mapping used as a key ("Unhashable type" in cfn-lint).
    (
        "cfn/cfn-lint/bad/core/parse_invalid_map.yaml",
        "mapping keys must be plain scalars",
    ),
    // cfn-lint fixture: deliberately invalid JSON (missing colon).
    ("cfn/cfn-lint/bad/json_parse.json", "invalid JSON"),
    // cfn-lint fixture: deliberately invalid YAML.
    ("cfn/cfn-lint/bad/template.yaml", "invalid YAML"),
    // cfn_nag fixture: deliberately invalid YAML ("vulgar bad syntax").
    ("cfn/cfn_nag/yaml/vulgar_bad_syntax.yml", "invalid YAML"),
    // Author's typo: a logical id `MappingRestEdge:curc` (PyYAML fails the same way).
    (
        "cfn/serverless-patterns/apigw-custom-domain-edge/template.yaml",
        "invalid YAML",
    ),
    // Author's typo: text after a closing quote in `Description` (PyYAML fails the same way).
    (
        "cfn/serverless-patterns/rds-sns-event-notification/template.yaml",
        "invalid YAML",
    ),
];

/// Below this, files that used to be recognized as inputs no longer are.
const MIN_FILES_SCANNED: usize = 1_950;

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    path.is_dir().then_some(path)
}

#[test]
fn corpus_reads_without_unexpected_errors() {
    let Some(root) = corpus() else {
        eprintln!("note: ../shared/corpus is absent; corpus test skipped");
        return;
    };
    let outcome = check(&Settings {
        paths: vec![root],
        ..Settings::default()
    });

    let mut unexpected = Vec::new();
    let mut seen = vec![false; EXPECTED_ERRORS.len()];
    for error in &outcome.errors {
        // Reported paths are relative to the current directory, so compare by suffix.
        let file = error.file.replace('\\', "/");
        let expected = EXPECTED_ERRORS.iter().position(|(path, message)| {
            file.ends_with(&format!("/{path}")) && error.message.starts_with(message)
        });
        match expected {
            Some(index) => seen[index] = true,
            None => unexpected.push(format!(
                "{file}:{}:{}: {}",
                error.line, error.column, error.message
            )),
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected errors:\n{}",
        unexpected.join("\n")
    );
    let stale: Vec<_> = EXPECTED_ERRORS
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| !**seen)
        .map(|((file, _), _)| *file)
        .collect();
    assert!(
        stale.is_empty(),
        "allow-listed files no longer fail (remove them): {stale:?}"
    );
    assert!(
        outcome.files_scanned >= MIN_FILES_SCANNED,
        "only {} files scanned; expected at least {MIN_FILES_SCANNED}",
        outcome.files_scanned
    );
}
