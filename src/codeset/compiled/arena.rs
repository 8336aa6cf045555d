//! The allocator that lets a loaded model live in a mapped file.
//!
//! medcode's global allocator is the system allocator with two additions:
//!
//! - While a thread has a *bump region* set ([`Bump`]), its allocations are
//!   carved from that region (an anonymous mapping at the model's fixed
//!   address), so a deep clone of a codebook made then lies wholly inside it
//!   and can be written to a file byte for byte.
//! - Memory inside the model window ([`WINDOW_START`]..[`WINDOW_END`]) is never
//!   given back: freeing it does nothing, and growing it copies it out to the
//!   system allocator. So a codebook read from a mapped file is an ordinary
//!   `Codebook` that can be dropped, cloned or even changed (a change copies
//!   the part changed, or writes to a private copy-on-write page).
//!
//! Both checks are a compare or a thread-local read on paths that already
//! call into the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Where compiled models are mapped: 256 slots of 16 GiB from 0x3a00_0000_0000,
/// far below where Linux places the program, its heap and its mappings.
pub const WINDOW_START: usize = 0x3a00_0000_0000;
/// One model's slot.
pub const SLOT: usize = 1 << 34;
/// Number of slots.
pub const SLOTS: usize = 256;
/// The end of the window.
pub const WINDOW_END: usize = WINDOW_START + SLOT * SLOTS;

/// The global allocator (see the module documentation).
pub struct ModelAlloc;

#[global_allocator]
static GLOBAL: ModelAlloc = ModelAlloc;

thread_local! {
    /// The bump region of this thread: (next free, end), (0, 0) when none.
    static BUMP: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Set when an allocation did not fit the bump region.
    static OVERFLOW: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn in_window(ptr: *mut u8) -> bool {
    (WINDOW_START..WINDOW_END).contains(&(ptr as usize))
}

/// An allocation from this thread's bump region, if one is set (null when it is full).
fn bump(layout: Layout) -> Option<*mut u8> {
    BUMP.try_with(|b| {
        let (next, end) = b.get();
        if next == 0 {
            return None;
        }
        let start = next.checked_add(layout.align() - 1)? & !(layout.align() - 1);
        match start.checked_add(layout.size()) {
            Some(stop) if stop <= end => {
                b.set((stop, end));
                Some(start as *mut u8)
            }
            _ => {
                let _ = OVERFLOW.try_with(|o| o.set(true));
                Some(std::ptr::null_mut())
            }
        }
    })
    .ok()
    .flatten()
}

unsafe impl GlobalAlloc for ModelAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            // A full region: the system allocator, and the build is abandoned (see `Bump::finish`).
            Some(p) if p.is_null() => unsafe { System.alloc(layout) },
            Some(p) => p,
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(p) if p.is_null() => unsafe { System.alloc_zeroed(layout) },
            // A fresh anonymous mapping is zeroed, and bump memory is never reused.
            Some(p) => p,
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !in_window(ptr) {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let bumping = BUMP.try_with(|b| b.get().0 != 0).unwrap_or(false);
        if !in_window(ptr) && !bumping {
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller guarantees `new_size`, rounded up to `layout.align()`, does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// This thread's allocations go to `start..end` until [`Bump::finish`].
pub struct Bump {
    start: usize,
}

impl Bump {
    /// # Safety
    /// `start..end` must be writable memory inside the model window that
    /// nothing else uses, zeroed, and must stay mapped while anything allocated
    /// in it is alive.
    pub unsafe fn begin(start: usize, end: usize) -> Bump {
        debug_assert!(in_window(start as *mut u8) && end <= WINDOW_END);
        BUMP.with(|b| b.set((start, end)));
        OVERFLOW.with(|o| o.set(false));
        Bump { start }
    }

    /// Stop bumping: the bytes used from the start, or `None` if an allocation
    /// did not fit (what was cloned then is partly outside the region).
    pub fn finish(self) -> Option<usize> {
        let used = BUMP.with(|b| b.get().0) - self.start;
        std::mem::forget(self);
        BUMP.with(|b| b.set((0, 0)));
        (!OVERFLOW.with(|o| o.replace(false))).then_some(used)
    }
}

impl Drop for Bump {
    fn drop(&mut self) {
        // A panic while cloning: stop bumping all the same.
        let _ = BUMP.try_with(|b| b.set((0, 0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_memory_is_never_freed_and_grows_by_copying_out() {
        // Pretend a window address was handed out: realloc must copy, not call the system.
        let region = crate::codeset::compiled::map_anonymous(WINDOW_START + SLOT * (SLOTS - 1), 1 << 20)
            .expect("an anonymous mapping in the window");
        let bump = unsafe { Bump::begin(region, region + (1 << 20)) };
        let v: Vec<u32> = (0..1000).collect();
        let s = String::from("inside the window");
        let used = bump.finish().expect("fits");
        assert!(used >= 4000 && in_window(v.as_ptr() as *mut u8) && in_window(s.as_ptr() as *mut u8));
        let mut v2 = v.clone();
        assert!(!in_window(v2.as_ptr() as *mut u8), "a clone after the bump is ordinary memory");
        v2.push(1);
        let mut s = s;
        s.push_str(", grown outside it");
        assert!(!in_window(s.as_ptr() as *mut u8));
        assert_eq!(s, "inside the window, grown outside it");
        drop(v);
    }

    #[test]
    fn an_allocation_that_does_not_fit_abandons_the_region() {
        let region = crate::codeset::compiled::map_anonymous(WINDOW_START + SLOT * (SLOTS - 2), 1 << 16)
            .expect("an anonymous mapping in the window");
        let bump = unsafe { Bump::begin(region, region + (1 << 16)) };
        let big = vec![7u8; 1 << 17];
        assert!(bump.finish().is_none());
        assert_eq!(big.len(), 1 << 17);
    }
}
