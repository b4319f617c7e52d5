//! The one program path written into every command other programs run for
//! us (`awsAuthRefresh`, `awsCredentialExport`, `credential_process`), and
//! the repair of commands whose program is gone.
//!
//! Those commands are run later, by another process, often with a minimal
//! `PATH` (a desktop launcher or an IDE gives Claude Code `/usr/bin:/bin`):
//! a bare `bedrock-tray` is not found there. So they name the installed CLI
//! by an absolute path, chosen once here:
//! 1. a `PATH` entry that resolves to the same file as this CLI (the
//!    package's `/usr/bin/bedrock-tray`, Homebrew's `bin/` link), so an
//!    upgrade that replaces the file keeps the command working;
//! 2. else this CLI's own absolute path (the tray app's sibling), unless it
//!    is known to vanish: an AppImage mount, a macOS App Translocation copy,
//!    a versioned Homebrew Cellar or Nix store path. For those the stable
//!    link is used (Homebrew's `opt/` link, a `PATH` entry into the Nix
//!    store), or there is none and we refuse, saying why.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// The CLI's file name on this platform.
pub const CLI_FILE: &str = if cfg!(windows) { "bedrock-tray.exe" } else { "bedrock-tray" };

/// Why no stable program path can be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramPathError {
    #[error("cannot find the bedrock-tray CLI: neither this program, a bedrock-tray beside it nor one on PATH; install the package (it puts bedrock-tray in /usr/bin) or add it to PATH")]
    NotFound,
    #[error("bedrock-tray runs from {path}, which {why}, and no bedrock-tray on PATH leads to it: {fix}")]
    Vanishing { path: PathBuf, why: &'static str, fix: &'static str },
    #[error("the path {0} cannot be written into a command (it holds a line break)")]
    Unquotable(PathBuf),
}

impl crate::error_kind::HasKind for ProgramPathError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::ErrorKind::BrokenEnvironment
    }
}

/// A place a program runs from that does not last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vanishing {
    /// `/tmp/.mount_XXXX/`: an AppImage's FUSE mount, gone when it exits.
    AppImageMount,
    /// `/private/var/folders/.../AppTranslocation/`: a random read-only copy
    /// macOS makes of a quarantined app opened where it was downloaded.
    AppTranslocation,
    /// `<prefix>/Cellar/<name>/<version>/`: replaced on `brew upgrade`.
    HomebrewCellar,
    /// `/nix/store/<hash>-<name>/`: garbage-collected after an upgrade.
    NixStore,
}

impl Vanishing {
    /// What happens to such a path, for the error message.
    pub fn why(self) -> &'static str {
        match self {
            Vanishing::AppImageMount => "is the AppImage's temporary mount, gone when the app exits",
            Vanishing::AppTranslocation => "is a temporary copy macOS made (App Translocation)",
            Vanishing::HomebrewCellar => "is a versioned Homebrew folder, removed by the next upgrade",
            Vanishing::NixStore => "is a Nix store path, removed by garbage collection after an upgrade",
        }
    }

    fn fix(self) -> &'static str {
        match self {
            Vanishing::AppImageMount => "install the .deb or .rpm package, or put the bedrock-tray CLI on PATH",
            Vanishing::AppTranslocation => "move bedrock-tray.app to /Applications and start it again",
            Vanishing::HomebrewCellar => "run `brew link bedrock-tray`",
            Vanishing::NixStore => "install bedrock-tray into a Nix profile so that it is on PATH",
        }
    }
}

/// Whether `path` lies where programs do not last (see [`Vanishing`]).
pub fn vanishing(path: &Path) -> Option<Vanishing> {
    let names: Vec<&OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    let has = |f: &dyn Fn(&str) -> bool| names.iter().any(|n| n.to_str().is_some_and(f));
    if has(&|n| n.starts_with(".mount_")) {
        Some(Vanishing::AppImageMount)
    } else if has(&|n| n == "AppTranslocation") {
        Some(Vanishing::AppTranslocation)
    } else if names.windows(3).any(|w| w[0] == "Cellar" || w[0] == "Caskroom") {
        Some(Vanishing::HomebrewCellar)
    } else if path.starts_with("/nix/store") {
        Some(Vanishing::NixStore)
    } else {
        None
    }
}

/// What the choice depends on, passed in so it can be tested.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// The running executable (`std::env::current_exe`).
    pub current_exe: Option<PathBuf>,
    /// The `PATH` variable.
    pub path_var: Option<std::ffi::OsString>,
}

impl Lookup {
    /// This process's executable and `PATH`.
    pub fn from_env() -> Self {
        Self { current_exe: std::env::current_exe().ok(), path_var: std::env::var_os("PATH") }
    }
}

/// The absolute path of the `bedrock-tray` CLI to name in commands (see the
/// module doc for the order of choices).
///
/// # Errors
/// [`ProgramPathError::NotFound`] when there is no CLI at all;
/// [`ProgramPathError::Vanishing`] when the only one is in a place that does
/// not last and no stable link leads to it.
pub fn stable_cli(lookup: &Lookup) -> Result<PathBuf, ProgramPathError> {
    let on_path: Vec<PathBuf> = lookup
        .path_var
        .as_deref()
        .map(|p| std::env::split_paths(p).filter(|d| d.is_absolute()).map(|d| d.join(CLI_FILE)).collect())
        .unwrap_or_default();
    let on_path: Vec<PathBuf> = on_path.into_iter().filter(|p| p.is_file()).collect();
    let Some(own) = own_cli(lookup.current_exe.as_deref()) else {
        return on_path.into_iter().find(|p| vanishing(p).is_none()).ok_or(ProgramPathError::NotFound);
    };
    let own_real = std::fs::canonicalize(&own).unwrap_or_else(|_| own.clone());
    if let Some(p) = on_path.iter().find(|p| vanishing(p).is_none() && same_file(p, &own_real)) {
        return Ok(p.clone());
    }
    let Some(kind) = vanishing(&own_real) else { return Ok(own) };
    let stable = match kind {
        Vanishing::HomebrewCellar => homebrew_opt_link(&own_real).filter(|p| p.is_file()),
        // The profile's link names the store path of whatever version is
        // installed now; any link into the store for our name will do.
        Vanishing::NixStore => on_path.iter().find(|p| vanishing(p).is_none() && leads_to_nix_store(p)).cloned(),
        Vanishing::AppImageMount | Vanishing::AppTranslocation => None,
    };
    stable.ok_or(ProgramPathError::Vanishing { path: own_real, why: kind.why(), fix: kind.fix() })
}

/// The CLI among this executable and its siblings: the executable itself
/// when it is the CLI, else `bedrock-tray` beside it (the tray app ships
/// with the CLI in the same folder).
fn own_cli(exe: Option<&Path>) -> Option<PathBuf> {
    let exe = exe?;
    if exe.file_name().is_some_and(|n| n == CLI_FILE) {
        return Some(exe.to_path_buf());
    }
    let sibling = exe.with_file_name(CLI_FILE);
    sibling.is_file().then_some(sibling)
}

fn same_file(a: &Path, b_real: &Path) -> bool {
    std::fs::canonicalize(a).is_ok_and(|a| a == b_real)
}

fn leads_to_nix_store(p: &Path) -> bool {
    std::fs::canonicalize(p).is_ok_and(|r| r.starts_with("/nix/store"))
}

/// `<prefix>/Cellar/<name>/<version>/rest` → `<prefix>/opt/<name>/rest`:
/// Homebrew's link that follows upgrades.
fn homebrew_opt_link(real: &Path) -> Option<PathBuf> {
    let comps: Vec<Component<'_>> = real.components().collect();
    let i = comps.iter().position(|c| c.as_os_str() == "Cellar")?;
    let name = comps.get(i + 1)?;
    let mut out: PathBuf = comps[..i].iter().collect();
    out.push("opt");
    out.push(name.as_os_str());
    for c in comps.get(i + 3..)? {
        out.push(c.as_os_str());
    }
    Some(out)
}

/// `path` as one word for the shell that runs the command: POSIX `sh` (and
/// Python's `shlex`, which botocore splits `credential_process` with), or on
/// Windows `cmd.exe`. Plain paths stay as they are.
///
/// # Errors
/// [`ProgramPathError::Unquotable`] for a path no quoting makes one word.
pub fn shell_word(path: &Path) -> Result<String, ProgramPathError> {
    let text = path.to_string_lossy();
    if text.contains(['\n', '\r']) || text.contains(char::REPLACEMENT_CHARACTER) {
        return Err(ProgramPathError::Unquotable(path.to_path_buf()));
    }
    if cfg!(windows) {
        // cmd.exe: inside double quotes `& | < > ^` are plain, but it still
        // expands `%VAR%` and `!VAR!`, and a path cannot hold `"`: refused.
        if text.contains(['"', '%', '!']) {
            return Err(ProgramPathError::Unquotable(path.to_path_buf()));
        }
        let plain = |c: char| c.is_ascii_alphanumeric() || "/\\._-+@:,=".contains(c);
        return Ok(if text.chars().all(plain) { text.into_owned() } else { format!("\"{text}\"") });
    }
    // POSIX sh (the AWS SDKs for Go, JavaScript and Rust, and Claude Code,
    // run these through `sh -c`; botocore splits with shlex, which reads
    // the same quoting): every character that means something is quoted.
    shlex::try_quote(&text).map(|q| q.into_owned()).map_err(|_| ProgramPathError::Unquotable(path.to_path_buf()))
}

/// The CLI to name in commands, quoted as one shell word: [`stable_cli`] of
/// this process, through [`shell_word`]. Where there is no CLI at all (an
/// app binary run without its package, a test binary) it is the bare name,
/// as before: `doctor` flags it and `repair` fixes it once one is installed.
///
/// # Errors
/// [`ProgramPathError::Vanishing`] and [`ProgramPathError::Unquotable`].
pub fn cli_program() -> Result<String, ProgramPathError> {
    match installed_cli_program() {
        Err(ProgramPathError::NotFound) => Ok(CLI_FILE.to_string()),
        other => other,
    }
}

/// [`cli_program`] without the bare-name fallback, for [`crate::repair`]:
/// repointing commands at a bare name would undo a working absolute one.
///
/// # Errors
/// [`ProgramPathError`].
pub fn installed_cli_program() -> Result<String, ProgramPathError> {
    shell_word(&stable_cli(&Lookup::from_env())?)
}

/// The first word of a command (its program), unquoted: the inverse of
/// [`shell_word`] for the commands we write.
pub fn program_of(command: &str) -> Option<String> {
    let command = command.trim_start();
    if cfg!(windows) {
        // cmd.exe: a double-quoted first word, else up to the first blank.
        if let Some(rest) = command.strip_prefix('"') {
            return rest.find('"').map(|end| rest[..end].to_string());
        }
        return command.split_whitespace().next().map(str::to_string);
    }
    // POSIX sh words, read as `sh` and botocore's shlex read them.
    shlex::Shlex::new(command).next()
}

/// Whether a command runs our CLI's `subcommand`: its program is a
/// `bedrock-tray` (bare or by path, quoted or not) and the next word is
/// `subcommand`.
pub fn runs_ours(command: &str, subcommand: &str) -> bool {
    split_ours(command).is_some_and(|(_, rest)| rest.split_whitespace().next() == Some(subcommand))
}

/// A command of ours split into its program and the arguments after it.
fn split_ours(command: &str) -> Option<(String, &str)> {
    let program = program_of(command)?;
    let name = Path::new(&program).file_name()?.to_str()?.to_string();
    if name != "bedrock-tray" && name != "bedrock-tray.exe" {
        return None;
    }
    let trimmed = command.trim_start();
    let quoted = shell_word(Path::new(&program)).ok().filter(|q| trimmed.starts_with(q.as_str()));
    let skip = match quoted {
        Some(q) => q.len(),
        None => trimmed.find(char::is_whitespace).unwrap_or(trimmed.len()),
    };
    Some((program, &trimmed[skip..]))
}

/// `command` with its program replaced by `program` (already a shell word),
/// if it is one of ours (see [`runs_ours`]) and names another program.
pub fn retarget(command: &str, program: &str) -> Option<String> {
    let (_, rest) = split_ours(command)?;
    let new = format!("{program}{rest}");
    (new != command).then_some(new)
}

/// Whether the program a command names can be run: an absolute path to an
/// executable file, or a bare name found on `path_var`.
pub fn program_runs(command: &str, path_var: Option<&OsStr>) -> Result<PathBuf, String> {
    let program = program_of(command).ok_or("the command is empty")?;
    let p = Path::new(&program);
    let found = if p.is_absolute() {
        p.is_file().then(|| p.to_path_buf()).ok_or(format!("{program} does not exist"))?
    } else {
        path_var
            .map(|v| std::env::split_paths(v).map(|d| d.join(p)).find(|c| c.is_file()))
            .unwrap_or_default()
            .ok_or(format!("{program} is not on PATH"))?
    };
    match std::process::Command::new(&found).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(found),
        Ok(out) => Err(format!("{} --version failed ({})", found.display(), out.status)),
        Err(e) => Err(format!("{} cannot run: {e}", found.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vanishing_places_are_recognised() {
        let cases = [
            ("/tmp/.mount_bedrocXYZ/usr/bin/bedrock-tray", Some(Vanishing::AppImageMount)),
            (
                "/private/var/folders/x/T/AppTranslocation/ABC/d/bedrock-tray.app/Contents/MacOS/bedrock-tray",
                Some(Vanishing::AppTranslocation),
            ),
            ("/opt/homebrew/Cellar/bedrock-tray/0.1.0/bin/bedrock-tray", Some(Vanishing::HomebrewCellar)),
            ("/nix/store/abc-bedrock-tray-0.1.0/bin/bedrock-tray", Some(Vanishing::NixStore)),
            ("/usr/bin/bedrock-tray", None),
            ("/Applications/bedrock-tray.app/Contents/MacOS/bedrock-tray", None),
            ("/opt/homebrew/bin/bedrock-tray", None),
        ];
        for (path, want) in cases {
            assert_eq!(vanishing(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn homebrew_cellar_maps_to_the_opt_link() {
        assert_eq!(
            homebrew_opt_link(Path::new("/opt/homebrew/Cellar/bedrock-tray/0.1.0/bin/bedrock-tray")),
            Some(PathBuf::from("/opt/homebrew/opt/bedrock-tray/bin/bedrock-tray"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn quoting_round_trips_through_program_of() {
        for p in ["/usr/bin/bedrock-tray", "/home/a b/bin/bedrock-tray", "/o'brien/$HOME/`x`/bedrock-tray"] {
            let word = shell_word(Path::new(p)).unwrap();
            let cmd = format!("{word} login --profile dev");
            assert_eq!(program_of(&cmd).as_deref(), Some(p), "{cmd}");
            assert!(runs_ours(&cmd, "login"), "{cmd} is ours");
            assert_eq!(retarget(&cmd, "/new/bedrock-tray").as_deref(), Some("/new/bedrock-tray login --profile dev"));
        }
        assert_eq!(shell_word(Path::new("/usr/bin/bedrock-tray")).unwrap(), "/usr/bin/bedrock-tray", "plain");
        assert!(shell_word(Path::new("/a\nb")).is_err(), "a line break cannot be quoted for an ini file");
    }

    #[test]
    fn only_our_program_is_ours() {
        assert!(runs_ours("bedrock-tray login --profile dev", "login"));
        assert!(!runs_ours("aws sso login --profile dev", "login"));
        assert!(!runs_ours("/usr/bin/not-bedrock-tray login", "login"));
        assert!(!runs_ours("bedrock-tray credential-process --profile dev", "login"));
        assert_eq!(retarget("/usr/bin/bedrock-tray login --profile dev", "/usr/bin/bedrock-tray"), None, "same");
    }

    #[cfg(unix)]
    #[test]
    fn a_path_entry_to_the_same_file_wins_and_a_vanishing_one_is_refused() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let install = dir.path().join("lib/bedrock-tray");
        std::fs::create_dir_all(&install).unwrap();
        let cli = install.join(CLI_FILE);
        std::fs::write(&cli, "#!/bin/sh\n").unwrap();
        let app = install.join("bedrock-tray-app");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        symlink(&cli, bin.join(CLI_FILE)).unwrap();

        let lookup = Lookup { current_exe: Some(app.clone()), path_var: Some(bin.clone().into_os_string()) };
        assert_eq!(stable_cli(&lookup).unwrap(), bin.join(CLI_FILE), "the PATH link to the same file");
        let lookup = Lookup { current_exe: Some(app), path_var: None };
        assert_eq!(stable_cli(&lookup).unwrap(), cli, "else the sibling's own path");

        let mount = dir.path().join(".mount_bedrocAB/usr/bin");
        std::fs::create_dir_all(&mount).unwrap();
        std::fs::write(mount.join(CLI_FILE), "").unwrap();
        let lookup = Lookup { current_exe: Some(mount.join("bedrock-tray-app")), path_var: None };
        let err = stable_cli(&lookup).unwrap_err();
        assert!(err.to_string().contains("AppImage's temporary mount"), "refused with why: {err}");
        let lookup = Lookup { current_exe: Some(dir.path().join("nowhere/bedrock-tray-app")), path_var: None };
        assert_eq!(stable_cli(&lookup), Err(ProgramPathError::NotFound));
    }
}
