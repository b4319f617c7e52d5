//! Where every file lives. The only module that reads `HOME` and the
//! path-related environment variables; everything else takes a [`Paths`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The locations of every file the app reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub home: PathBuf,
    /// Claude Code's user settings (`$CLAUDE_CONFIG_DIR/settings.json`).
    pub claude_settings: PathBuf,
    /// Claude Code's folder, where its transcripts live (`projects/`).
    pub claude_dir: PathBuf,
    /// `$AWS_CONFIG_FILE`, else `~/.aws/config`.
    pub aws_config: PathBuf,
    /// `$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub aws_credentials: PathBuf,
    /// The SSO token cache shared with AWS CLI v2 and botocore.
    pub sso_cache_dir: PathBuf,
    /// The app's own folder (login method, remembered Bedrock selection).
    pub app_dir: PathBuf,
    /// Claude Code's managed (IT policy) settings file; drop-ins live in
    /// `managed-settings.d` beside it. `$BEDROCK_TRAY_MANAGED_SETTINGS`
    /// moves it (tests, or a machine whose policy file is elsewhere).
    pub managed_settings: PathBuf,
    /// The team preset an administrator placed on this machine (see
    /// [`crate::preset_source`]); `$BEDROCK_TRAY_MANAGED_PRESET` moves it.
    pub managed_preset: PathBuf,
}

/// No home folder could be found, so no file can be located.
#[derive(Debug, thiserror::Error)]
#[error("cannot find the home folder: set HOME (on Windows, USERPROFILE)")]
pub struct NoHome;

impl Paths {
    /// Resolves every path from the process environment.
    ///
    /// # Errors
    /// [`NoHome`] when neither `HOME` nor the OS knows the home folder.
    pub fn from_env() -> Result<Self, NoHome> {
        Self::from_lookup(|k| std::env::var_os(k))
    }

    /// Every path at its default place under `home`, whatever the process
    /// environment says (tests, benchmarks, a throw-away HOME). The
    /// managed settings file and preset, which live outside any home, are
    /// looked for under `HOME/.managed/`, so the machine's own policy never
    /// leaks in.
    pub fn under_home(home: &Path) -> Self {
        let managed = home.join(".managed").join("managed-settings.json").into_os_string();
        let preset = home.join(".managed").join("preset.toml").into_os_string();
        let home = home.as_os_str().to_owned();
        Self::from_lookup(|k| match k {
            "HOME" | "USERPROFILE" => Some(home.clone()),
            "BEDROCK_TRAY_MANAGED_SETTINGS" => Some(managed.clone()),
            "BEDROCK_TRAY_MANAGED_PRESET" => Some(preset.clone()),
            _ => None,
        })
        .expect("a HOME is given")
    }

    /// Resolves every path from an environment lookup, for tests and for
    /// callers that build an environment of their own.
    ///
    /// # Errors
    /// [`NoHome`] when the lookup has no usable `HOME`.
    pub fn from_lookup(env: impl Fn(&str) -> Option<OsString>) -> Result<Self, NoHome> {
        let non_empty = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        // Windows: USERPROFILE first, as Claude Code (Node's os.homedir)
        // and the AWS CLI (Python's expanduser) read it there; a HOME set
        // by Git Bash or MSYS may point elsewhere.
        let home =
            if cfg!(windows) { non_empty("USERPROFILE").or_else(|| non_empty("HOME")) } else { non_empty("HOME") };
        let home = home.or_else(std::env::home_dir).ok_or(NoHome)?;
        let claude_dir = non_empty("CLAUDE_CONFIG_DIR").unwrap_or_else(|| home.join(".claude"));
        let aws_dir = home.join(".aws");
        let app_dir = non_empty("BEDROCK_TRAY_CONFIG_DIR").unwrap_or_else(|| {
            non_empty("XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config")).join("bedrock-tray")
        });
        Ok(Self {
            claude_settings: claude_dir.join("settings.json"),
            claude_dir,
            aws_config: non_empty("AWS_CONFIG_FILE").unwrap_or_else(|| aws_dir.join("config")),
            aws_credentials: non_empty("AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|| aws_dir.join("credentials")),
            sso_cache_dir: aws_dir.join("sso").join("cache"),
            app_dir,
            managed_settings: non_empty("BEDROCK_TRAY_MANAGED_SETTINGS")
                .unwrap_or_else(crate::claude::layers::default_managed_settings),
            managed_preset: non_empty("BEDROCK_TRAY_MANAGED_PRESET")
                .unwrap_or_else(|| crate::preset_source::default_managed_preset(non_empty("ProgramData").as_deref())),
            home,
        })
    }

    /// Replaces the settings path (`--settings FILE`).
    #[must_use]
    pub fn with_settings(mut self, settings: Option<&Path>) -> Self {
        if let Some(s) = settings {
            self.claude_settings = s.to_path_buf();
        }
        self
    }

    /// The app's own state file.
    pub fn app_state(&self) -> PathBuf {
        self.app_dir.join("state.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn paths(vars: &[(&str, &str)]) -> Paths {
        let map: HashMap<String, OsString> = vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        Paths::from_lookup(|k| map.get(k).cloned()).unwrap()
    }

    #[test]
    fn defaults_live_under_home() {
        let p = paths(&[("HOME", "/h")]);
        assert_eq!(p.claude_settings, Path::new("/h/.claude/settings.json"));
        assert_eq!(p.aws_config, Path::new("/h/.aws/config"));
        assert_eq!(p.sso_cache_dir, Path::new("/h/.aws/sso/cache"));
        assert_eq!(p.app_state(), Path::new("/h/.config/bedrock-tray/state.json"));
    }

    #[test]
    fn environment_overrides_win() {
        let p = paths(&[
            ("HOME", "/h"),
            ("CLAUDE_CONFIG_DIR", "/c"),
            ("AWS_CONFIG_FILE", "/a/cfg"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/a/creds"),
            ("XDG_CONFIG_HOME", "/x"),
        ]);
        assert_eq!(p.claude_settings, Path::new("/c/settings.json"));
        assert_eq!(p.aws_config, Path::new("/a/cfg"));
        assert_eq!(p.aws_credentials, Path::new("/a/creds"));
        // The token cache does not move with AWS_CONFIG_FILE: the CLI keeps it under HOME.
        assert_eq!(p.sso_cache_dir, Path::new("/h/.aws/sso/cache"));
        assert_eq!(p.app_state(), Path::new("/x/bedrock-tray/state.json"));
        let p = p.with_settings(Some(Path::new("/s.json")));
        assert_eq!(p.claude_settings, Path::new("/s.json"));
    }
}
