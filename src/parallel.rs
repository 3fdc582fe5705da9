//! Work on many independent items spread over the machine's cores: rendering and writing
//! one file per object. The results keep the items' order, so the output does not depend on
//! how the work was split.

use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::thread;

/// Below this many items a thread costs more than it saves.
const MIN_ITEMS_PER_THREAD: usize = 64;

/// At most this many threads: writing files in one directory does not scale further.
const MAX_THREADS: usize = 8;

/// How many threads to use for `items` items.
fn thread_count(items: usize) -> usize {
    let worth_it = items / MIN_ITEMS_PER_THREAD;
    if worth_it <= 1 {
        return 1;
    }
    cores().min(MAX_THREADS).min(worth_it)
}

/// The cores this process may use, asked once: the answer reads cgroup files (a dozen
/// system calls), and a conversion splits its work twice.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// `f` applied to every item, in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = thread_count(items.len());
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    let mut parts = items.chunks(chunk);
    let first = parts.next().unwrap_or_default();
    thread::scope(|scope| {
        let handles: Vec<_> = parts
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        // The calling thread takes the first part: one thread fewer to start, and its
        // allocator already has memory at hand, which a new thread must first get (and the
        // kernel clear) for itself.
        let mut results: Vec<R> = Vec::with_capacity(items.len());
        results.extend(first.iter().map(f));
        for handle in handles {
            let part = handle
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            results.extend(part);
        }
        results
    })
}

/// `f` applied to every item; the error of the first item (in the items' order) that fails.
pub fn try_for_each<T: Sync, E: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    map(items, f).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_of_many_items() {
        let items: Vec<usize> = (0..10_000).collect();
        let doubled = map(&items, |i| i * 2);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_failure_in_order_is_reported() {
        let items: Vec<usize> = (0..10_000).collect();
        let result = try_for_each(
            &items,
            |&i| if i % 3_000 == 2_999 { Err(i) } else { Ok(()) },
        );
        assert_eq!(result, Err(2_999));
    }
}
