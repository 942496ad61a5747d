//! The `frameworm` binary: the CLI over the `frameworm` library's generated plugin registry.

mod allocator;

fn main() -> std::process::ExitCode {
    allocator::keep_freed_memory();
    frameworm_cli::run(frameworm::register_plugins)
}
