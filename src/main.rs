use std::process::ExitCode;

fn main() -> ExitCode {
    mpadmin::cli::main()
}
