//! Reading the files we do not own without trusting them: only a regular
//! file is read (a FIFO would block for ever, a link to `/dev/zero` would
//! never end), and never more than a cap, whatever its metadata says (a
//! file can grow between the size check and the read).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The cap for the small files we read: AWS config and credentials, token
/// and registration caches, settings, the state file, presets, the usage
/// index. Far above any real one.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads at most `cap` bytes of the regular file at `path` (symlinks are
/// followed to one).
///
/// # Errors
/// As [`File::open`] (a missing file is `NotFound`); `InvalidInput` when it
/// is not a regular file; `FileTooLarge` past `cap`.
pub fn read(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(io::ErrorKind::FileTooLarge, format!("larger than {cap} bytes")));
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
///
/// # Errors
/// As [`read`]; `InvalidData` when it is not UTF-8.
pub fn read_to_string(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read(path, cap)?).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// Opens `path` for reading if it is a regular file. The open itself does
/// not wait on a FIFO (`O_NONBLOCK` on Unix; the flag does not change
/// reads of a regular file), and the type is checked on the opened file,
/// so a swap between check and open changes nothing.
///
/// # Errors
/// As [`File::open`]; `InvalidInput` when it is not a regular file.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, rustix::fs::OFlags::NONBLOCK.bits() as i32);
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_oversized_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // With no writer, a plain open of a FIFO would wait for ever.
        assert_eq!(read(&fifo, MAX_FILE_BYTES).unwrap_err().kind(), io::ErrorKind::InvalidInput);

        let zero = dir.path().join("credentials");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(read(&zero, MAX_FILE_BYTES).unwrap_err().kind(), io::ErrorKind::InvalidInput);

        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 1025]).unwrap();
        assert_eq!(read(&big, 1024).unwrap_err().kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(read(&big, 1025).unwrap().len(), 1025);
        assert_eq!(read(&dir.path().join("missing"), 10).unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
