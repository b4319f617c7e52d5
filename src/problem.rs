//! Setup problems that status, doctor and the probes all find, each with
//! the one sentence that names it and its fix, so every view words it the
//! same way.

/// A problem with the selection or the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Bedrock is selected, but no AWS profile.
    NoProfileSelected,
    /// The selected profile is not in the AWS config.
    ProfileNotFound { profile: String },
    /// The geography's inference profiles cannot be called from the region.
    WrongRegion { geography: String, geography_name: String, region: String },
    /// No model selected.
    NoModelSelected,
    /// The profile's SSO token is expired or absent.
    SsoSessionExpired { profile: String },
    /// Claude Code aliases left unpinned or pinned outside the geography:
    /// they would leave it.
    AliasesOutsideGeography { aliases: String, geography: String, geography_name: String },
    /// A switch in `path` (`env.CLAUDE_CODE_USE_MANTLE`) sends Claude Code
    /// to `label`, a provider bedrock-tray does not manage, instead of the
    /// Anthropic API; `in_user_file` when `path` is the file we write.
    RivalProvider { label: String, key: String, path: String, in_user_file: bool },
}

impl Problem {
    /// What is wrong.
    pub fn what(&self) -> String {
        match self {
            Problem::NoProfileSelected => "no AWS profile selected".into(),
            Problem::ProfileNotFound { profile } => format!("AWS profile {profile} is not in your AWS config"),
            Problem::WrongRegion { geography, region, .. } => {
                format!("{geography}. profiles cannot be called from {region}")
            }
            Problem::NoModelSelected => "no model selected".into(),
            Problem::SsoSessionExpired { profile } => format!("SSO session of profile {profile} expired or missing"),
            Problem::AliasesOutsideGeography { aliases, geography_name, .. } => {
                format!("Claude Code's {aliases} alias would leave {geography_name}")
            }
            Problem::RivalProvider { label, key, path, .. } => {
                format!("Claude Code uses {label}, not the Anthropic API ({key} in {path})")
            }
        }
    }

    /// What to do about it.
    pub fn action(&self) -> String {
        match self {
            Problem::NoProfileSelected => "run `bedrock-tray use --profile NAME`".into(),
            Problem::ProfileNotFound { .. } => "choose another with `bedrock-tray use --profile NAME`".into(),
            Problem::WrongRegion { geography, geography_name, .. } => format!(
                "choose a{} {geography_name} region (`bedrock-tray use --geo {geography}`)",
                if geography_name.starts_with(['A', 'E', 'I', 'O', 'U']) { "n" } else { "" }
            ),
            Problem::NoModelSelected => "run `bedrock-tray use --model sonnet`".into(),
            Problem::SsoSessionExpired { profile } => format!("run Log in (`bedrock-tray login --profile {profile}`)"),
            Problem::AliasesOutsideGeography { geography, .. } => {
                format!("pin every alias with `bedrock-tray use --geo {geography}`")
            }
            Problem::RivalProvider { label, in_user_file: true, .. } => format!(
                "bedrock-tray does not manage {label}: `bedrock-tray use --provider bedrock` selects Amazon \
                 Bedrock, `--provider anthropic` removes the switch from your settings"
            ),
            Problem::RivalProvider { label, path, .. } => format!(
                "bedrock-tray does not manage {label}: remove the switch from {path}, or select Amazon Bedrock \
                 (`bedrock-tray use --provider bedrock`), which Claude Code uses first"
            ),
        }
    }

    /// One sentence: what is wrong and what to do.
    pub fn fix(&self) -> String {
        format!("{}: {}", self.what(), self.action())
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fix())
    }
}
