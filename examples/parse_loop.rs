//! Parses a runbook many times, for profiling the parser with instruction counts, which do not
//! depend on what else the machine is doing:
//!
//! `cargo build --release --example parse_loop &&
//!  valgrind --tool=callgrind ./target/release/examples/parse_loop tests/fixtures/seed-001.md 20`

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_loop FILE [TIMES]");
        std::process::exit(2);
    };
    let times: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(20);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let steps: usize = (0..times)
        .map(|_| flightdeck::runbook::parse(&text, &path).steps().count())
        .sum();
    println!("{steps} steps over {times} parses");
}
