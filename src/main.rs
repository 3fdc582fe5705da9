// mimalloc rather than the system allocator: a conversion allocates and frees many small
// values (YAML nodes, strings, objects), and at 1,000 services mimalloc makes the whole run
// about a quarter faster (scripts/bench.py measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(compose2k8s::run(std::env::args_os()));
}
