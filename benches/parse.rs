//! Parse speed: each seed and a 1 MB runbook, beside pulldown-cmark's own event pass over the
//! same text (the floor: flightdeck cannot parse faster than its Markdown parser).
//!
//! Run: `cargo bench --bench parse`. Figures go to docs/BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pulldown_cmark::{Options, Parser};

const SEEDS: [(&str, &str); 5] = [
    ("seed-000", include_str!("../tests/fixtures/seed-000.md")),
    ("seed-001", include_str!("../tests/fixtures/seed-001.md")),
    ("seed-002", include_str!("../tests/fixtures/seed-002.md")),
    ("seed-003", include_str!("../tests/fixtures/seed-003.md")),
    ("seed-004", include_str!("../tests/fixtures/seed-004.md")),
];

/// The seeds concatenated until the text reaches 1 MiB.
fn one_megabyte() -> String {
    let mut text = String::new();
    while text.len() < 1 << 20 {
        for (_, s) in SEEDS {
            text.push_str(s);
            text.push_str("\n\n");
        }
    }
    text
}

fn pulldown_floor(text: &str) -> usize {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    Parser::new_ext(text, opts).into_offset_iter().count()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let big = one_megabyte();
    let inputs: Vec<(&str, &str)> = SEEDS
        .iter()
        .copied()
        .chain([("1MiB", big.as_str())])
        .collect();
    for (name, text) in inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("flightdeck/{name}"), |b| {
            b.iter(|| flightdeck::runbook::parse(black_box(text), "bench.md"));
        });
        g.bench_function(format!("pulldown-cmark/{name}"), |b| {
            b.iter(|| pulldown_floor(black_box(text)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
