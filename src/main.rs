//! The `pipewright` command for this repository's stacks.

fn main() -> std::process::ExitCode {
    pipewright::cli::main(pipewright_app::app())
}
