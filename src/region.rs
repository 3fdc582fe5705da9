//! The binary's allocator: a region of memory handed out front to back, then a general
//! allocator for what does not fit.
//!
//! A conversion is a batch job: it allocates as it goes and exits, and a small project's
//! whole run needs a few MiB. Handed out front to back, that memory stays dense, so the
//! kernel clears (and, where the system allows, maps in 2 MiB huge pages) only as much as
//! the run uses. A general allocator spreads the same allocations over a page per size
//! class and per thread: at 100 services, mimalloc alone made the kernel clear about
//! 17 MiB for a run with 3.5 MiB live at its peak, and clearing pages was a fifth of the
//! run. With the region in front, the run's resident set is 13 MiB instead of 21, and the
//! run is about a tenth faster at 10 and at 100 services.
//!
//! Inside the region nothing is reused, except at its end: freeing the last allocation
//! gives it back, and resizing it resizes it in place (a growing buffer or collection).
//! The region closes at the first allocation that does not fit, or that is a quarter of
//! the region or more (the text of a big input: that run will not fit, and the memory it
//! would keep from reuse cost a few percent at 10,000 services). From then on everything
//! goes to the fallback allocator, which reuses memory, so a big project's peak is what the
//! fallback alone would need plus at most the region.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The memory of a region. It is all zeros, so a static one is in `.bss` and costs nothing
/// until a page of it is first used. It starts on a 2 MiB boundary, where a huge page can
/// begin (x86-64, and usually aarch64).
#[repr(C, align(2097152))]
pub struct RegionMemory<const BYTES: usize>(UnsafeCell<[u8; BYTES]>);

// SAFETY: the bytes are only reached through `RegionAllocator`, which hands each range to
// one owner (the atomic `used` makes claims disjoint).
unsafe impl<const BYTES: usize> Sync for RegionMemory<BYTES> {}

impl<const BYTES: usize> RegionMemory<BYTES> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        RegionMemory(UnsafeCell::new([0; BYTES]))
    }
}

/// Allocates from `memory` front to back, then from `fallback`.
pub struct RegionAllocator<const BYTES: usize, F: 'static> {
    memory: &'static RegionMemory<BYTES>,
    /// Bytes of the region handed out: the next allocation starts here (aligned up).
    used: AtomicUsize,
    /// Whether huge pages were asked for (on the first allocation).
    advised: AtomicBool,
    /// Set by the first allocation that does not fit, or that is a quarter of the region
    /// or more (a big input's text: the run will not fit): from then on every allocation
    /// goes to the fallback without trying the region first.
    full: AtomicBool,
    fallback: F,
}

impl<const BYTES: usize, F: GlobalAlloc> RegionAllocator<BYTES, F> {
    /// # Safety
    ///
    /// No other allocator may use `memory`: two would hand out the same bytes.
    pub const unsafe fn new(memory: &'static RegionMemory<BYTES>, fallback: F) -> Self {
        RegionAllocator {
            memory,
            used: AtomicUsize::new(0),
            advised: AtomicBool::new(false),
            full: AtomicBool::new(false),
            fallback,
        }
    }

    fn base(&self) -> *mut u8 {
        self.memory.0.get().cast::<u8>()
    }

    /// Where `ptr` is in the region, if it is in it.
    fn offset_of(&self, ptr: *mut u8) -> Option<usize> {
        let offset = (ptr as usize).wrapping_sub(self.base() as usize);
        (offset < BYTES).then_some(offset)
    }

    /// The next `layout.size()` bytes of the region at `layout.align()`, if they fit.
    fn claim(&self, layout: Layout) -> Option<*mut u8> {
        if self.full.load(Ordering::Relaxed) {
            return None;
        }
        if !self.advised.load(Ordering::Relaxed) && !self.advised.swap(true, Ordering::Relaxed) {
            advise_huge_pages(self.base(), BYTES);
        }
        let claimed = Some(layout)
            .filter(|layout| layout.size() < BYTES / 4)
            .and_then(|layout| self.claim_range(layout));
        if claimed.is_none() {
            self.full.store(true, Ordering::Relaxed);
        }
        claimed
    }

    fn claim_range(&self, layout: Layout) -> Option<*mut u8> {
        let base = self.base() as usize;
        // Acquire, here and in `move_end`: memory given back by one thread and claimed by
        // another must have been done with first.
        let mut used = self.used.load(Ordering::Acquire);
        loop {
            let start = (base + used).checked_next_multiple_of(layout.align())? - base;
            let end = start
                .checked_add(layout.size())
                .filter(|&end| end <= BYTES)?;
            match self
                .used
                .compare_exchange_weak(used, end, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Some(self.base().wrapping_add(start)),
                Err(now) => used = now,
            }
        }
    }

    /// Moves the end of the region's last allocation from `end` to `new_end`; false when
    /// `end` is not the end of the last allocation.
    fn move_end(&self, end: usize, new_end: usize) -> bool {
        self.used
            .compare_exchange(end, new_end, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

// SAFETY: `claim` hands out disjoint, aligned ranges of the region (the compare-exchange on
// `used` gives each range to one caller); a range goes back (`move_end`) only when it is the
// last one handed out, so no live allocation is ever handed out twice. Everything outside
// the region came from `fallback` and goes back to it.
unsafe impl<const BYTES: usize, F: GlobalAlloc> GlobalAlloc for RegionAllocator<BYTES, F> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.claim(layout) {
            Some(ptr) => ptr,
            None => self.fallback.alloc(layout),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.offset_of(ptr) {
            Some(start) => {
                self.move_end(start + layout.size(), start);
            }
            None => self.fallback.dealloc(ptr, layout),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(start) = self.offset_of(ptr) else {
            return self.fallback.realloc(ptr, layout, new_size);
        };
        let fits = start.checked_add(new_size).filter(|&end| end <= BYTES);
        if fits.is_some_and(|new_end| self.move_end(start + layout.size(), new_end)) {
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the caller guarantees that `new_size`, rounded up to the alignment, does
        // not overflow `isize`.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let moved = self.alloc(new_layout);
        if !moved.is_null() {
            std::ptr::copy_nonoverlapping(ptr, moved, layout.size());
            self.dealloc(ptr, layout);
        }
        moved
    }
}

/// Asks the kernel to back the region with huge pages: one fault and one clear per 2 MiB
/// instead of one per 4 KiB. Only advice: where transparent huge pages are off, the region
/// gets ordinary pages.
#[cfg(target_os = "linux")]
fn advise_huge_pages(start: *mut u8, bytes: usize) {
    use std::ffi::{c_int, c_void};
    extern "C" {
        fn madvise(addr: *mut c_void, length: usize, advice: c_int) -> c_int;
    }
    const MADV_HUGEPAGE: c_int = 14;
    const HUGE_PAGE: usize = 2 << 20;
    if bytes >= HUGE_PAGE {
        // SAFETY: the range is the region's own memory; the advice changes no contents.
        unsafe { madvise(start.cast(), bytes, MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_start: *mut u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).expect("a valid layout")
    }

    fn in_region<const B: usize>(a: &RegionAllocator<B, System>, ptr: *mut u8) -> bool {
        a.offset_of(ptr).is_some()
    }

    #[test]
    fn allocations_come_front_to_back_aligned() {
        static MEMORY: RegionMemory<4096> = RegionMemory::new();
        // SAFETY: the test's own memory.
        let a = unsafe { RegionAllocator::new(&MEMORY, System) };
        unsafe {
            let first = a.alloc(layout(3, 1));
            let second = a.alloc(layout(8, 8));
            let third = a.alloc(layout(1, 64));
            assert_eq!(a.offset_of(first), Some(0));
            assert_eq!(a.offset_of(second), Some(8));
            assert_eq!(a.offset_of(third), Some(64));
        }
    }

    #[test]
    fn only_the_last_allocation_is_given_back() {
        static MEMORY: RegionMemory<4096> = RegionMemory::new();
        // SAFETY: the test's own memory.
        let a = unsafe { RegionAllocator::new(&MEMORY, System) };
        unsafe {
            let first = a.alloc(layout(16, 8));
            let second = a.alloc(layout(16, 8));
            a.dealloc(first, layout(16, 8));
            assert_eq!(a.offset_of(a.alloc(layout(16, 8))), Some(32), "not reused");
            let last = a.alloc(layout(16, 8));
            a.dealloc(last, layout(16, 8));
            assert_eq!(a.alloc(layout(16, 8)), last, "the last one is reused");
            assert_eq!(a.offset_of(second), Some(16));
        }
    }

    #[test]
    fn the_last_allocation_grows_and_shrinks_in_place_others_move() {
        static MEMORY: RegionMemory<4096> = RegionMemory::new();
        // SAFETY: the test's own memory.
        let a = unsafe { RegionAllocator::new(&MEMORY, System) };
        unsafe {
            let buffer = a.alloc(layout(8, 8));
            buffer.write_bytes(7, 8);
            let grown = a.realloc(buffer, layout(8, 8), 100);
            assert_eq!(grown, buffer);
            let shrunk = a.realloc(grown, layout(100, 8), 50);
            assert_eq!(shrunk, buffer);
            assert_eq!(a.offset_of(a.alloc(layout(1, 1))), Some(50));
            let moved = a.realloc(shrunk, layout(50, 8), 200);
            assert_ne!(moved, buffer);
            assert!(in_region(&a, moved));
            assert_eq!(std::slice::from_raw_parts(moved, 8), &[7; 8]);
        }
    }

    #[test]
    fn what_does_not_fit_goes_to_the_fallback_and_closes_the_region() {
        static MEMORY: RegionMemory<4096> = RegionMemory::new();
        // SAFETY: the test's own memory.
        let a = unsafe { RegionAllocator::new(&MEMORY, System) };
        unsafe {
            let blocks: Vec<*mut u8> = (0..4).map(|_| a.alloc(layout(1000, 8))).collect();
            assert!(blocks.iter().all(|&block| in_region(&a, block)));
            let last = blocks[3];
            last.write_bytes(1, 1000);
            let outside = a.alloc(layout(200, 8));
            assert!(!outside.is_null() && !in_region(&a, outside));
            // The region is closed: even what would still fit goes to the fallback.
            let after = a.alloc(layout(8, 8));
            assert!(!after.is_null() && !in_region(&a, after));
            // Growing past the region's end moves to the fallback, contents and all.
            let grown = a.realloc(last, layout(1000, 8), 8000);
            assert!(!grown.is_null() && !in_region(&a, grown));
            assert!(std::slice::from_raw_parts(grown, 1000)
                .iter()
                .all(|&b| b == 1));
            let grown = a.realloc(grown, layout(8000, 8), 16000);
            for (ptr, size) in [(grown, 16000), (outside, 200), (after, 8)] {
                a.dealloc(ptr, layout(size, 8));
            }
        }
    }

    #[test]
    fn an_allocation_of_a_quarter_of_the_region_closes_it() {
        static MEMORY: RegionMemory<4096> = RegionMemory::new();
        // SAFETY: the test's own memory.
        let a = unsafe { RegionAllocator::new(&MEMORY, System) };
        unsafe {
            let big = a.alloc(layout(1024, 8));
            assert!(!big.is_null() && !in_region(&a, big));
            let small = a.alloc(layout(8, 8));
            assert!(!small.is_null() && !in_region(&a, small));
            a.dealloc(small, layout(8, 8));
            a.dealloc(big, layout(1024, 8));
        }
    }

    #[test]
    fn threads_get_disjoint_memory() {
        static MEMORY: RegionMemory<{ 1 << 20 }> = RegionMemory::new();
        // SAFETY: the test's own memory.
        static A: RegionAllocator<{ 1 << 20 }, System> =
            unsafe { RegionAllocator::new(&MEMORY, System) };
        let handles: Vec<_> = (0..4u8)
            .map(|id| {
                std::thread::spawn(move || {
                    let blocks: Vec<usize> = (0..1000)
                        .map(|_| unsafe {
                            let ptr = A.alloc(layout(24, 8));
                            ptr.write_bytes(id, 24);
                            ptr as usize
                        })
                        .collect();
                    (id, blocks)
                })
            })
            .collect();
        for handle in handles {
            let (id, blocks) = handle.join().expect("no panic");
            for block in blocks {
                let bytes = unsafe { std::slice::from_raw_parts(block as *const u8, 24) };
                assert!(
                    bytes.iter().all(|&b| b == id),
                    "a block was handed out twice"
                );
            }
        }
    }
}
