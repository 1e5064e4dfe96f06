use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(iamlint::cli::run())
}
