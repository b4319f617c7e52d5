//! One writer for every file the app touches: a temporary file in the same
//! folder, fsync, rename. Readers (Claude Code, AWS CLI, botocore) therefore
//! see either the old file or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// Failure to replace a file; carries the path that was being written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// Follows a symlink chain to the file that really holds the data, so that a
/// dotfile manager's link stays a link and its target is updated.
pub fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = if link.is_absolute() { link } else { current.parent().unwrap_or(Path::new(".")).join(link) };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The stamp in a backup's name: the UTC time `now`, `YYYYMMDDTHHMMSSZ`.
pub fn backup_stamp(now: time::OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Where the copy of `path` is kept before the app rewrites it: beside it,
/// as `<name>.bak-<stamp>` (see [`backup_stamp`]).
pub fn backup_path(path: &Path, stamp: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    path.with_file_name(format!("{name}.bak-{stamp}"))
}

/// Replaces `path` with `contents` atomically.
///
/// The file keeps its permissions; a new file gets `new_mode` (e.g. 0o600 for
/// secrets). Missing parent folders are created (0700).
///
/// # Errors
/// Any I/O failure, with the path; the original file is then untouched.
pub fn write_atomic(path: &Path, contents: &[u8], new_mode: u32) -> Result<(), WriteError> {
    PreparedWrite::new(path, contents, new_mode)?.commit()
}

/// Replaces `path` with `contents` atomically, readable by the user only
/// (0600) whatever mode the old file had: the temporary file is created
/// 0600, so the secret is never readable by others, not even between the
/// write and the rename (token files).
///
/// # Errors
/// As [`write_atomic`].
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    PreparedWrite::prepare(path, contents, 0o600, true)?.commit()
}

/// A replacement written and synced beside its target, not yet renamed
/// over it. Lets a caller check, at the last moment, that the target did
/// not change since it was read. Dropping it removes the temporary file.
pub struct PreparedWrite {
    path: PathBuf,
    target: PathBuf,
    dir: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl PreparedWrite {
    /// Writes `contents` to a temporary file in the target's folder and
    /// syncs it.
    ///
    /// # Errors
    /// Any I/O failure, with the path; nothing is changed.
    pub fn new(path: &Path, contents: &[u8], new_mode: u32) -> Result<Self, WriteError> {
        Self::prepare(path, contents, new_mode, false)
    }

    /// [`PreparedWrite::new`] for contents that hold a secret: the file is
    /// 0600 whatever mode it had, and so is the temporary file from the
    /// start (see [`write_private`]).
    ///
    /// # Errors
    /// As [`PreparedWrite::new`].
    pub fn private(path: &Path, contents: &[u8]) -> Result<Self, WriteError> {
        Self::prepare(path, contents, 0o600, true)
    }

    /// [`PreparedWrite::new`]; with `force_mode`, the file gets `new_mode`
    /// even when it exists.
    fn prepare(path: &Path, contents: &[u8], new_mode: u32, force_mode: bool) -> Result<Self, WriteError> {
        let err = |source| WriteError { path: path.to_path_buf(), source };
        let target = resolve_target(path).map_err(err)?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir).map_err(err)?;

        let mode = match fs::metadata(&target) {
            Ok(meta) if meta.is_dir() => {
                return Err(err(io::Error::new(io::ErrorKind::IsADirectory, "a folder is in the way")))
            }
            Ok(meta) => permission_bits(&meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => new_mode,
            Err(e) => return Err(err(e)),
        };
        // A read-only file is the user's way of saying "do not change this"
        // (root could write it anyway).
        if mode & 0o200 == 0 && target.exists() {
            return Err(err(io::Error::new(io::ErrorKind::PermissionDenied, "the file is read-only")));
        }
        let mode = if force_mode { new_mode } else { mode };

        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        sweep_stale_temps(&dir, &name, std::time::SystemTime::now());
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.{}.", std::process::id()))
            .suffix(".tmp")
            .permissions(mode_permissions(mode))
            .tempfile_in(&dir)
            .map_err(err)?;
        tmp.write_all(contents).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        Ok(Self { path: path.to_path_buf(), target, dir, tmp })
    }

    /// Renames the temporary file over the target.
    ///
    /// # Errors
    /// The rename failed; the original file is untouched.
    pub fn commit(self) -> Result<(), WriteError> {
        let Self { path, target, dir, mut tmp } = self;
        // Windows refuses to replace a file another process has open
        // without FILE_SHARE_DELETE (an editor, an antivirus scan, Claude
        // Code reading it): that is brief, so retry for up to a second.
        // Elsewhere a rename over an open file just works: no retries.
        let mut tries = if cfg!(windows) { 20 } else { 1 };
        loop {
            match tmp.persist(&target) {
                Ok(_) => break,
                Err(e) if tries > 1 && e.error.kind() == io::ErrorKind::PermissionDenied => {
                    tries -= 1;
                    tmp = e.file;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(WriteError { path, source: e.error }),
            }
        }
        // The rename is durable only once the folder entry is on disk.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Swaps the new file in, and keeps it only if the file it displaced is
    /// the one `expected` describes. Otherwise (someone wrote the target
    /// since the caller read it) it swaps straight back, so their version
    /// is visible again within microseconds, and returns their contents to
    /// merge. Uses Linux's `renameat2(RENAME_EXCHANGE)`; where that is
    /// unavailable, or the target does not exist yet, it just renames.
    ///
    /// # Errors
    /// The swap or rename failed; the original file is untouched.
    pub fn exchange_if(self, expected: Option<&[u8]>) -> Result<Exchange, WriteError> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{renameat_with, RenameFlags, CWD};
            if self.target.exists() {
                let swap = || renameat_with(CWD, self.tmp.path(), CWD, &self.target, RenameFlags::EXCHANGE);
                match swap() {
                    Ok(()) => {
                        let displaced = fs::read(self.tmp.path());
                        if displaced.as_deref().ok() == expected {
                            // Dropping `tmp` removes the displaced file.
                            if let Ok(d) = File::open(&self.dir) {
                                let _ = d.sync_all();
                            }
                            return Ok(Exchange::Replaced);
                        }
                        swap().map_err(|e| WriteError { path: self.path.clone(), source: e.into() })?;
                        let displaced = displaced.map_err(|source| WriteError { path: self.path.clone(), source })?;
                        return Ok(Exchange::Changed(displaced));
                    }
                    // Filesystems without RENAME_EXCHANGE: plain rename.
                    Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
                    Err(e) => return Err(WriteError { path: self.path, source: e.into() }),
                }
            }
        }
        let _ = expected;
        self.commit().map(|()| Exchange::Replaced)
    }
}

/// Read-modify-write with compare-and-swap, for files other programs also
/// write (`~/.aws/config`, `~/.aws/credentials`, the state file):
/// `next(current)` gives the new contents (`None`: nothing to write) from
/// `current`, what the caller read (`None`: no file). If another writer
/// replaced the file meanwhile, their version is kept and `next` runs
/// again on it (see [`PreparedWrite::exchange_if`]). New files get
/// `new_mode`. Returns whether anything was written.
///
/// # Errors
/// `next`'s error; a write failure; or the file changed under every one
/// of 20 attempts. The file then holds the other writer's version.
pub fn update_atomic<E: From<WriteError>>(
    path: &Path,
    mut current: Option<Vec<u8>>,
    new_mode: u32,
    mut next: impl FnMut(Option<&[u8]>) -> Result<Option<Vec<u8>>, E>,
) -> Result<bool, E> {
    for _ in 0..20 {
        let Some(new) = next(current.as_deref())? else { return Ok(false) };
        match PreparedWrite::new(path, &new, new_mode)?.exchange_if(current.as_deref())? {
            Exchange::Replaced => return Ok(true),
            Exchange::Changed(theirs) => current = Some(theirs),
        }
    }
    Err(WriteError {
        path: path.to_path_buf(),
        source: io::Error::other("another program kept changing it; nothing was written, try again"),
    }
    .into())
}

/// A temporary file of ours this old is left over from a writer that died
/// (killed mid-write: SIGKILL, power loss); a live write takes milliseconds.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporary files earlier writes of `name` left in `dir`:
/// ours by name (`.<name>.<pid>.<6 random>.tmp`, or `.<name>.<6
/// random>.tmp` from versions that did not record the pid), and either
/// older than [`STALE_AFTER`] or made by a process that no longer exists.
/// Best effort: a file that cannot be removed is left for the next write.
pub fn sweep_stale_temps(dir: &Path, name: &str, now: std::time::SystemTime) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(middle) =
            file_name.to_str().and_then(|n| n.strip_prefix(&prefix)).and_then(|n| n.strip_suffix(".tmp"))
        else {
            continue;
        };
        let (pid, random) = match middle.split_once('.') {
            Some((pid, random)) => match pid.parse::<u32>() {
                Ok(pid) => (Some(pid), random),
                Err(_) => continue,
            },
            None => (None, middle),
        };
        if random.len() != 6 || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age > STALE_AFTER);
        if old || pid.is_some_and(process_is_gone) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether no process `pid` exists (never true of this one).
#[cfg(unix)]
fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(raw) = i32::try_from(pid) else { return false };
    let Some(pid) = rustix::process::Pid::from_raw(raw) else { return false };
    rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH)
}
#[cfg(not(unix))]
fn process_is_gone(_pid: u32) -> bool {
    // The age rule alone.
    false
}

/// The outcome of [`PreparedWrite::exchange_if`].
#[derive(Debug)]
pub enum Exchange {
    /// The new file is in place.
    Replaced,
    /// The target had changed; it was left as it was, with these contents.
    Changed(Vec<u8>),
}

/// Creates a folder (and parents) readable only by the user, as the AWS CLI
/// does for `~/.aws/sso/cache`.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens a file for appending, creating it 0600 (logs, indexes).
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

#[cfg(unix)]
fn permission_bits(meta: &fs::Metadata) -> u32 {
    meta.permissions().mode() & 0o7777
}
#[cfg(not(unix))]
fn permission_bits(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o400
    } else {
        0o600
    }
}

#[cfg(unix)]
fn mode_permissions(mode: u32) -> fs::Permissions {
    fs::Permissions::from_mode(mode)
}
#[cfg(not(unix))]
fn mode_permissions(mode: u32) -> fs::Permissions {
    let mut p = tempfile::NamedTempFile::new().unwrap().as_file().metadata().unwrap().permissions();
    p.set_readonly(mode & 0o200 == 0);
    p
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn new_file_gets_requested_mode_and_existing_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/new.json");
        write_atomic(&path, b"{}", 0o600).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"{\"a\":1}", 0o600).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640, "mode survives a rewrite");
        assert_eq!(fs::read(&path).unwrap(), b"{\"a\":1}");
    }

    #[test]
    fn symlink_stays_a_link_and_target_changes() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles/settings.json");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "{}").unwrap();
        let link = dir.path().join("settings.json");
        std::os::unix::fs::symlink("dotfiles/settings.json", &link).unwrap();
        write_atomic(&link, b"{\"x\":true}", 0o600).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "link must survive");
        assert_eq!(fs::read_to_string(&real).unwrap(), "{\"x\":true}");
    }

    #[test]
    fn a_write_sweeps_its_own_stale_temp_files_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let file = |name: &str| {
            let p = dir.path().join(name);
            fs::write(&p, "half a file").unwrap();
            p
        };
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let aged = |p: &Path| File::options().write(true).open(p).unwrap().set_modified(an_hour_ago).unwrap();
        let mut gone_child = std::process::Command::new("true").spawn().unwrap();
        let dead = gone_child.id();
        gone_child.wait().unwrap();

        let old_format = file(".settings.json.aB3xY9.tmp");
        aged(&old_format);
        let old_with_pid = file(&format!(".settings.json.{}.Qw12Er.tmp", std::process::id()));
        aged(&old_with_pid);
        let dead_writer = file(&format!(".settings.json.{dead}.Zx98Cv.tmp"));
        let live_writer = file(&format!(".settings.json.{}.Lm45No.tmp", std::process::id()));
        let young_old_format = file(".settings.json.Yy11Zz.tmp");
        let others = [
            file(".settings.json.user-notes.tmp"),
            file(".other.json.aB3xY9.tmp"),
            file("settings.json.bak-20260101T000000Z"),
            file(".settings.json.aB3xY9.tmp.keep"),
        ];
        for p in &others {
            aged(p);
        }

        write_atomic(&path, b"{}", 0o600).unwrap();
        assert!(!old_format.exists() && !old_with_pid.exists(), "stale temp files are removed");
        assert!(!dead_writer.exists(), "a dead writer's temp file is removed");
        assert!(live_writer.exists() && young_old_format.exists(), "a live write's file stays");
        for p in &others {
            assert!(p.exists(), "not ours: {}", p.display());
        }
        let temps = fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(temps, 4, "our two live ones and two of others'");
    }

    #[test]
    fn private_writes_are_0600_from_the_start_whatever_the_old_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        fs::write(&path, "{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        // The temp file is what gets renamed: its mode is the file's mode
        // from the first byte written.
        let prepared = PreparedWrite::prepare(&path, b"{\"accessToken\":\"x\"}", 0o600, true).unwrap();
        assert_eq!(fs::metadata(prepared.tmp.path()).unwrap().permissions().mode() & 0o777, 0o600);
        drop(prepared);
        write_private(&path, b"{}").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn update_keeps_a_concurrent_writers_version_and_reapplies_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, "a\n").unwrap();
        let mut calls = 0;
        let wrote = update_atomic::<WriteError>(&path, Some(b"a\n".to_vec()), 0o600, |current| {
            calls += 1;
            if calls == 1 {
                // Another program writes between our read and our write.
                fs::write(&path, "a\ntheirs\n").unwrap();
            }
            let mut next = current.unwrap_or_default().to_vec();
            next.extend_from_slice(b"ours\n");
            Ok(Some(next))
        })
        .unwrap();
        assert!(wrote);
        assert_eq!(fs::read_to_string(&path).unwrap(), "a\ntheirs\nours\n", "neither change is lost");
        assert_eq!(calls, 2);
    }

    #[test]
    fn read_only_file_and_folder_in_the_way_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.json");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        assert!(write_atomic(&path, b"new", 0o600).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");

        let folder = dir.path().join("folder.json");
        fs::create_dir(&folder).unwrap();
        let e = write_atomic(&folder, b"new", 0o600).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        assert!(folder.is_dir());
    }
}
