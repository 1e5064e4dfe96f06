//! Whole-pipeline throughput: `iamlint::check` over the shared corpus of real templates (when
//! `../shared/corpus` is present) and over a synthetic corpus written by the `gen_corpus`
//! example's generator. Run with `cargo bench --bench corpus`; results and the machine they
//! were measured on are in `docs/performance.md`.

#[path = "../examples/gen_corpus/synth.rs"]
mod synth;

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamlint::{Settings, check};

/// Files and bytes `check` will read under `root` (what the throughput figures divide by).
fn size_of(root: &Path) -> (u64, u64) {
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files += 1;
                bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    (files, bytes)
}

fn bench_tree(c: &mut Criterion, name: &str, root: PathBuf) {
    let (files, bytes) = size_of(&root);
    let settings = Settings {
        paths: vec![root],
        ..Settings::default()
    };
    let outcome = check(&settings);
    eprintln!(
        "{name}: {files} files, {bytes} bytes; {} scanned, {} skipped, {} findings, {} errors",
        outcome.files_scanned,
        outcome.files_skipped,
        outcome.findings.len(),
        outcome.errors.len()
    );
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("check (bytes)", |b| b.iter(|| check(&settings)));
    group.throughput(Throughput::Elements(files));
    group.bench_function("check (files)", |b| b.iter(|| check(&settings)));
    group.finish();
}

fn shared_corpus(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("note: ../shared/corpus is absent; shared-corpus benchmark skipped");
        return;
    }
    bench_tree(c, "shared-corpus", root);
}

fn synthetic_corpus(c: &mut Criterion) {
    let generated = tempfile::tempdir()
        .and_then(|dir| synth::generate(dir.path(), 2_000, 20, 1).map(|written| (dir, written)));
    let (dir, written) = match generated {
        Ok(generated) => generated,
        Err(err) => {
            eprintln!("note: cannot write the synthetic corpus ({err}); benchmark skipped");
            return;
        }
    };
    eprintln!(
        "synthetic corpus: {} templates, {} bytes",
        written.files, written.bytes
    );
    bench_tree(c, "synthetic-2000x20", dir.path().to_path_buf());
}

/// The scale issue 3 names: about 10,000 roles in 50 accounts, each account folder mapped to its
/// id by an `iamlint.toml`, so cross-account trusts link through the graph's account index.
fn estate_10k_roles(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("note: no temporary folder; estate benchmark skipped");
        return;
    };
    if let Err(err) = synth::generate(dir.path(), 1_200, 50, 7) {
        eprintln!("note: cannot write the estate ({err}); benchmark skipped");
        return;
    }
    let mut toml = String::new();
    let folders = std::fs::read_dir(dir.path().join("accounts"))
        .into_iter()
        .flatten()
        .flatten();
    for folder in folders {
        let name = folder.file_name().to_string_lossy().into_owned();
        let id = name.trim_start_matches("acct-");
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{name}\"\nid = \"{id}\"\npaths = [\"accounts/{name}/**\"]\n\n"
        ));
    }
    let config_path = dir.path().join("iamlint.toml");
    let loaded = std::fs::write(&config_path, toml)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            iamlint::config::Config::load(&config_path, dir.path()).map_err(|e| e.to_string())
        });
    let config = match loaded {
        Ok(config) => config,
        Err(err) => {
            eprintln!("note: estate configuration rejected ({err}); benchmark skipped");
            return;
        }
    };
    let settings = config.settings(vec![dir.path().to_path_buf()]);
    let outcome = check(&settings);
    eprintln!(
        "estate: {} files, {} graph nodes, {} graph edges, {} principals, {} findings",
        outcome.files_scanned,
        outcome.graph.graph.node_count(),
        outcome.graph.graph.edge_count(),
        outcome.graph.principal_nodes.len(),
        outcome.findings.len()
    );
    let mut group = c.benchmark_group("estate-10k-roles-50-accounts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("check", |b| b.iter(|| check(&settings)));
    group.finish();
}

criterion_group!(benches, shared_corpus, synthetic_corpus, estate_10k_roles);
criterion_main!(benches);
