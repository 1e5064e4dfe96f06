//! Catalog cost: decoding the embedded data (inflate + parse, paid once per run, on first
//! use), expanding 1,000 policy-shaped patterns with an empty memo cache and with a warm one,
//! and 250 lookups by name.
//!
//! `cargo bench --bench catalog`
// A benchmark has nobody to report a broken catalog to but the person running it.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use iamlint::catalog::Catalog;

/// 1,000 patterns shaped like real policies, from actions spread over the whole catalog:
/// `svc:Action`, `svc:Verb*`, `svc:*Noun*`, `svc:*`.
fn patterns() -> Vec<String> {
    let catalog = Catalog::get();
    let names: Vec<String> = catalog
        .all_actions()
        .iter()
        .filter_map(|id| catalog.info(id))
        .map(|info| info.to_string())
        .collect();
    let step = (names.len() / 250).max(1);
    names
        .iter()
        .step_by(step)
        .take(250)
        .filter_map(|full| full.split_once(':'))
        .flat_map(|(service, name)| {
            // "GetObjectAcl" → verb "Get", noun "ObjectAcl".
            let split = name
                .char_indices()
                .skip(1)
                .find(|(_, c)| c.is_ascii_uppercase())
                .map_or(name.len(), |(i, _)| i);
            let (verb, noun) = name.split_at(split);
            [
                format!("{service}:{name}"),
                format!("{service}:{verb}*"),
                format!("{service}:*{noun}*"),
                format!("{service}:*"),
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let patterns = patterns();
    assert_eq!(patterns.len(), 1000);

    let mut group = c.benchmark_group("catalog");
    group.sample_size(20);
    // First use = inflate + parse; measured apart to see which half costs what.
    group.bench_function("inflate", |b| b.iter(Catalog::embedded_text));
    let text = Catalog::embedded_text().expect("embedded catalog");
    group.bench_function("parse", |b| {
        b.iter(|| Catalog::parse(&text).map(|catalog| catalog.action_count()))
    });
    group.bench_function("expand_1000_cold", |b| {
        b.iter_batched(
            || Catalog::parse(&text).expect("embedded catalog"),
            |catalog| {
                for pattern in &patterns {
                    black_box(catalog.expand(pattern));
                }
                catalog
            },
            BatchSize::PerIteration,
        )
    });
    let catalog = Catalog::get();
    group.bench_function("expand_1000_warm", |b| {
        b.iter(|| {
            for pattern in &patterns {
                black_box(catalog.expand(pattern));
            }
        })
    });
    group.bench_function("lookup_250", |b| {
        b.iter(|| {
            for pattern in patterns.iter().step_by(4) {
                black_box(catalog.action(pattern));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
