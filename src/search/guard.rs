//! The boundary around tantivy: a damaged index file can make tantivy panic
//! (random bytes in a `.pos` file: `mid > len`) where it should return an
//! error. Searches and index checks run inside [`catch`], so the damage
//! becomes an error the caller handles (rebuild, a message), never exit 101.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs inside [`catch`]: its panics are expected and reported as errors.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`, turning a panic into `Err(message)`.
///
/// The panic hook in force at the first call (the workbench's, which
/// restores the terminal) is wrapped so that a caught panic neither prints
/// nor tears down the screen; panics elsewhere reach it as before.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        format!("tantivy panicked: {text}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_thread_goes_on() {
        assert_eq!(catch(|| 2 + 2), Ok(4));
        let err = catch(|| -> u32 { panic!("mid > len") }).expect_err("caught");
        assert!(err.contains("mid > len"), "{err}");
        // Nested: the inner catch does not end the outer one's quiet.
        let outer = catch(|| catch(|| -> u32 { panic!("inner") }).is_err());
        assert_eq!(outer, Ok(true));
        assert!(!CATCHING.with(Cell::get));
    }
}
