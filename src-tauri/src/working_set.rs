//! Gives back the pages of code the tray touched while starting.
//!
//! The tray is a Tauri app, so the dynamic loader maps WebKitGTK and all it
//! links (JavaScriptCore, ICU, five flite voices, GStreamer) although the
//! tray never calls them: the dashboard is another process. Start-up reads
//! a good part of those libraries' code and read-only data, and those pages
//! stay mapped, and counted in the tray's RSS and PSS, for its whole life:
//! about 47 MB of the 72 MB it held just after start-up (benches/README.md).
//!
//! After start-up, and again after a burst of work, the tray drops its
//! mappings of those pages with `madvise(MADV_DONTNEED)`. The pages stay in
//! the page cache: what the tray touches again comes back as a minor fault,
//! what it never touches again is no longer the tray's. Only segments that
//! are mapped read-only from their file qualify (code and read-only data:
//! ELF `PT_LOAD` segments without `PF_W`): they hold no private copy, so
//! dropping them loses nothing. Writable segments, relocated data (RELRO,
//! part of the writable segment), the heap and stacks are never touched;
//! the heap's free pages go back through `malloc_trim`.
//!
//! A segment is given back only while its object cannot be unloaded: every
//! object is pinned first (`dlopen` with `RTLD_NOLOAD`, never closed), so
//! no `dlclose` can unmap it and let another mapping take its addresses
//! between the look-up and the `madvise`.
//!
//! Windows has the same idea built in (`SetProcessWorkingSetSize` with -1,
//! -1 empties the working set); macOS compresses idle pages itself, so
//! nothing is done there.

// The only unsafe code of the project: the loader's walk, dlopen, madvise
// and malloc_trim have no safe wrapper.
#![allow(unsafe_code)]

use std::sync::{mpsc, OnceLock};
use std::time::Duration;

/// Starts the thread that calls [`trim`] once the process has been quiet
/// for `quiet` after a [`touched`]. It sleeps on a channel in between, so
/// an idle process never wakes for it. Once per process; later calls do
/// nothing.
pub fn trim_when_quiet(quiet: Duration) {
    let (tx, rx) = mpsc::channel::<()>();
    if TOUCHES.set(tx).is_err() {
        return;
    }
    let started = std::thread::Builder::new().name("trim-when-quiet".into()).spawn(move || {
        // Start-up is the first burst.
        let mut busy = true;
        loop {
            if !busy && rx.recv().is_err() {
                return;
            }
            // Wait until `quiet` passes without a touch.
            loop {
                match rx.recv_timeout(quiet) {
                    Ok(()) => continue,
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
            busy = false;
            let trimmed = trim();
            tracing::debug!(
                "gave back {:.1} MB of read-only pages of {} loaded objects",
                trimmed.bytes as f64 / 1e6,
                trimmed.objects
            );
        }
    });
    if let Err(e) = started {
        tracing::warn!("pages will not be given back after start-up: {e}");
    }
}

/// Says the process just did some work (a redraw, a menu click, a
/// dashboard that ended): [`trim_when_quiet`]'s clock starts again. Does
/// nothing before [`trim_when_quiet`] (the dashboard, tests).
pub fn touched() {
    if let Some(tx) = TOUCHES.get() {
        let _ = tx.send(());
    }
}

static TOUCHES: OnceLock<mpsc::Sender<()>> = OnceLock::new();

/// What one trim gave back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Loaded objects (the program and its libraries) whose read-only
    /// segments were given back.
    pub objects: usize,
    /// Bytes of address space advised; what was resident of it is what the
    /// process's RSS drops by.
    pub bytes: usize,
}

/// Gives back the read-only pages of every loaded object and the heap's
/// free pages. Cheap (a walk of the loaded objects and one system call per
/// segment); call it when the process is about to idle.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() -> Trimmed {
    let trimmed = linux::trim_loaded_objects();
    // SAFETY: malloc_trim only returns free heap memory to the kernel.
    unsafe { libc::malloc_trim(0) };
    trimmed
}

/// Windows: empties the working set; pages come back on use.
#[cfg(windows)]
pub fn trim() -> Trimmed {
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, SetProcessWorkingSetSize};
    // SAFETY: the pseudo-handle of the current process; (-1, -1) is the
    // documented request to remove as many pages as possible.
    let ok = unsafe { SetProcessWorkingSetSize(GetCurrentProcess(), usize::MAX, usize::MAX) };
    Trimmed { objects: usize::from(ok != 0), bytes: 0 }
}

/// Elsewhere (macOS, other libcs): nothing to do.
#[cfg(not(any(all(target_os = "linux", target_env = "gnu"), windows)))]
pub fn trim() -> Trimmed {
    Trimmed::default()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod linux {
    use super::Trimmed;
    use std::collections::HashSet;
    use std::ffi::{c_int, c_void, CStr, CString};
    use std::sync::Mutex;

    /// Objects pinned by an earlier trim (by their loader name).
    static PINNED: Mutex<Option<HashSet<CString>>> = Mutex::new(None);

    pub(super) fn trim_loaded_objects() -> Trimmed {
        let mut pinned = PINNED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let pinned = pinned.get_or_insert_with(HashSet::new);
        // Pin what is loaded now. Outside the walk: dlopen takes the
        // loader's lock, which the walk holds.
        for name in loaded_names() {
            if pinned.contains(&name) {
                continue;
            }
            // SAFETY: RTLD_NOLOAD only looks the object up, loading nothing
            // and running no constructor; the handle is never closed, which
            // keeps the object mapped for the rest of the process.
            let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOLOAD | libc::RTLD_LAZY) };
            if !handle.is_null() {
                pinned.insert(name);
            }
        }
        let mut walk = Walk { pinned, trimmed: Trimmed::default(), page: page_size(), first: true };
        // SAFETY: the callback only reads the loader's records for the
        // duration of the call and advises read-only file segments of
        // objects that cannot be unloaded.
        unsafe { libc::dl_iterate_phdr(Some(advise_object), (&raw mut walk).cast()) };
        walk.trimmed
    }

    struct Walk<'a> {
        pinned: &'a HashSet<CString>,
        trimmed: Trimmed,
        page: usize,
        /// The walk's first record is the program (glibc lists it first,
        /// with an empty name).
        first: bool,
    }

    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
    }

    /// The loader's name of every loaded library (the program has none).
    fn loaded_names() -> Vec<CString> {
        unsafe extern "C" fn collect(info: *mut libc::dl_phdr_info, _: usize, data: *mut c_void) -> c_int {
            // SAFETY: dl_iterate_phdr passes a valid record and our Vec.
            let (info, names) = unsafe { (&*info, &mut *data.cast::<Vec<CString>>()) };
            if !info.dlpi_name.is_null() {
                // SAFETY: the loader's names are NUL-terminated.
                let name = unsafe { CStr::from_ptr(info.dlpi_name) };
                if name.to_bytes().starts_with(b"/") {
                    names.push(name.to_owned());
                }
            }
            0
        }
        let mut names = Vec::new();
        // SAFETY: the callback matches the signature and only reads.
        unsafe { libc::dl_iterate_phdr(Some(collect), (&raw mut names).cast()) };
        names
    }

    /// The callback of [`libc::dl_iterate_phdr`]: advises the read-only
    /// `PT_LOAD` segments of the program and of pinned libraries.
    unsafe extern "C" fn advise_object(info: *mut libc::dl_phdr_info, _: usize, data: *mut c_void) -> c_int {
        // SAFETY: dl_iterate_phdr passes a valid record and our Walk.
        let (info, walk) = unsafe { (&*info, &mut *data.cast::<Walk<'_>>()) };
        // The program comes first, with an empty name; the vDSO and
        // anything else without a path are left alone.
        let name = if info.dlpi_name.is_null() {
            c""
        } else {
            // SAFETY: the loader's names are NUL-terminated.
            unsafe { CStr::from_ptr(info.dlpi_name) }
        };
        let is_program = std::mem::take(&mut walk.first) && name.is_empty();
        if !is_program && !walk.pinned.contains(name) {
            return 0;
        }
        // SAFETY: the loader's program headers of this object.
        let headers = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
        let mut advised = 0;
        for header in headers.iter().filter(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W == 0) {
            let Some((start, len)) = whole_pages(info.dlpi_addr, header.p_vaddr, header.p_memsz, walk.page) else {
                continue;
            };
            // SAFETY: [start, start + len) lies inside a read-only segment
            // mapped from its file by the loader, of an object that stays
            // loaded: it holds no private data, so dropping its pages only
            // means reading them again from the page cache on next use.
            if unsafe { libc::madvise(start as *mut c_void, len, libc::MADV_DONTNEED) } == 0 {
                advised += len;
            }
        }
        if advised > 0 {
            walk.trimmed.objects += 1;
            walk.trimmed.bytes += advised;
        }
        0
    }

    /// The whole pages inside a segment, as (start address, length):
    /// rounded inward, so a page shared with a neighbouring segment is
    /// never included.
    pub(super) fn whole_pages(base: u64, vaddr: u64, memsz: u64, page: usize) -> Option<(usize, usize)> {
        let page = page as u64;
        let start = base.checked_add(vaddr)?;
        let end = start.checked_add(memsz)?;
        let first = start.checked_add(page - 1)? / page * page;
        let last = end / page * page;
        (last > first).then(|| (first as usize, (last - first) as usize))
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Resident kB of the read-only mappings of GTK and WebKitGTK: linked
    /// into this test program like into the tray, and never called by the
    /// test, so nothing but the loader and the trim changes them (the
    /// program's own code is no good: reading smaps runs it again).
    fn resident_gtk_kb() -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut counted = false;
        let mut total = 0;
        for line in smaps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.first().is_some_and(|f| f.contains('-') && !f.ends_with(':')) {
                counted = fields.get(1).is_some_and(|p| !p.contains('w'))
                    && fields.get(5).is_some_and(|p| p.contains("/libgtk-3.so") || p.contains("/libwebkit2gtk-"));
            } else if counted && fields.first() == Some(&"Rss:") {
                total += fields[1].parse::<u64>().unwrap();
            }
        }
        total
    }

    // Written at run time: lives in the writable segment, which a trim
    // must not drop (it would fall back to the file's 0).
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // Pointers the loader relocated at start (RELRO in a PIE): dropped by
    // mistake, they would read back as the file's unrelocated values.
    static NAMES: [&str; 3] = ["opus", "sonnet", "haiku"];

    #[test]
    fn a_trim_gives_back_code_pages_and_keeps_written_and_relocated_data() {
        COUNTER.store(0xfeed_beef, Ordering::SeqCst);
        let before = resident_gtk_kb();
        let trimmed = trim();
        let after = resident_gtk_kb();
        assert!(trimmed.objects >= 2, "the program and at least libc: {trimmed:?}");
        assert!(trimmed.bytes > 0);
        assert!(before > 0, "the loader read GTK's symbol tables");
        assert!(after < before / 2, "GTK and WebKitGTK resident: {before} kB before, {after} kB after");
        assert_eq!(COUNTER.load(Ordering::SeqCst), 0xfeed_beef);
        assert_eq!(NAMES.join(" "), "opus sonnet haiku");
        // Code still runs from the page cache, and a second trim is fine.
        let again = trim();
        assert!(again.objects >= 2);
        assert_eq!(format!("{}", 6 * 7), "42");
    }

    #[test]
    fn only_whole_pages_inside_a_segment_are_advised() {
        let page = 4096;
        // Starts mid-page and ends mid-page: only the two pages between.
        assert_eq!(linux::whole_pages(0x10000, 0x100, 3 * 4096, page), Some((0x11000, 2 * 4096)));
        // Aligned: all of it.
        assert_eq!(linux::whole_pages(0x10000, 0x1000, 2 * 4096, page), Some((0x11000, 2 * 4096)));
        // Smaller than a page or straddling one boundary: nothing.
        assert_eq!(linux::whole_pages(0x10000, 0x800, 0x1000, page), None);
        assert_eq!(linux::whole_pages(0, 0, 100, page), None);
        // Overflow: nothing.
        assert_eq!(linux::whole_pages(u64::MAX - 10, 0x100, 0x100, page), None);
    }
}
