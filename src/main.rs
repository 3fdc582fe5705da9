// The conversion allocates many small values (YAML nodes, strings, objects) and frees them
// at once; mimalloc does that faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs on the main thread and its ordinary stack: no walk recurses deeper than the input's
/// nesting (capped by the parser) or the include depth (capped by the loader), and the long
/// chains (`extends`, `depends_on`, shared namespaces) are followed in loops. A worker
/// thread with a large stack cost about half a millisecond per run, a sixth of a small
/// project's whole conversion.
fn main() {
    std::process::exit(compose2k8s::cli::run_before_exit(std::env::args_os()));
}
