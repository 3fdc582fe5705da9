// The conversion allocates many small values (YAML nodes, strings, objects) and frees them
// at once; mimalloc does that faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = compose2k8s::run(std::env::args_os());
    std::process::exit(code);
}
