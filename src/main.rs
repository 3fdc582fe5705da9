// The conversion allocates many small values (YAML nodes, strings, objects) and frees them
// at once; mimalloc does that faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Valid input can nest deeply where the loader recurses (a long `extends` chain resolves
/// link by link); the main thread's 8 MiB would overflow long before the loader's own
/// limits are reached.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    let args: Vec<_> = std::env::args_os().collect();
    let worker = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || compose2k8s::cli::run_before_exit(args));
    let code = match worker {
        Ok(handle) => handle.join().unwrap_or(101),
        // No thread to be had: run here, with the ordinary stack.
        Err(_) => compose2k8s::cli::run_before_exit(std::env::args_os()),
    };
    std::process::exit(code);
}
