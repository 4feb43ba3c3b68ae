//! Command line: `kubewiz [apply|plan|status|reset|check]`, exit codes 0 / 1 / 2.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
