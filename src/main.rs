use compose2k8s::region::{RegionAllocator, RegionMemory};

/// Memory handed out front to back before mimalloc takes over (see `region`): a project of
/// 100 services runs in about 10 MiB.
const REGION_BYTES: usize = 16 << 20;

static REGION: RegionMemory<REGION_BYTES> = RegionMemory::new();

// Beyond the region, mimalloc: a big conversion allocates many small values (YAML nodes,
// strings, objects) and frees many of them, and mimalloc reuses them faster than the system
// allocator.
#[global_allocator]
// SAFETY: `REGION` is used by this allocator alone.
static ALLOCATOR: RegionAllocator<REGION_BYTES, mimalloc::MiMalloc> =
    unsafe { RegionAllocator::new(&REGION, mimalloc::MiMalloc) };

/// Runs on the main thread and its ordinary stack: no walk recurses deeper than the input's
/// nesting (capped by the parser) or the include depth (capped by the loader), and the long
/// chains (`extends`, `depends_on`, shared namespaces) are followed in loops. A worker
/// thread with a large stack cost about a tenth of a millisecond per run.
fn main() {
    std::process::exit(compose2k8s::cli::run_before_exit(std::env::args_os()));
}
