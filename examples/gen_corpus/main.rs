//! Write a synthetic corpus for benchmarks and load tests.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- OUT_DIR [TEMPLATES=2000] [ACCOUNTS=20] [SEED=1]
//! ```

mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: gen_corpus OUT_DIR [TEMPLATES=2000] [ACCOUNTS=20] [SEED=1]");
        return ExitCode::from(2);
    };
    let number =
        |index: usize, default: u64| args.get(index).map_or(Some(default), |s| s.parse().ok());
    let parsed = (number(1, 2000), number(2, 20), number(3, 1));
    let (Some(templates), Some(accounts), Some(seed)) = parsed else {
        eprintln!("gen_corpus: TEMPLATES, ACCOUNTS and SEED must be whole numbers");
        return ExitCode::from(2);
    };
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    match synth::generate(&out, size(templates), size(accounts), seed) {
        Ok(written) => {
            eprintln!(
                "wrote {} templates, {} bytes, under {}",
                written.files,
                written.bytes,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_corpus: {err}");
            ExitCode::FAILURE
        }
    }
}
