//! `credentials set|remove|import` and `credential-process`: static keys in
//! the OS keyring, handed to AWS clients only as short STS sessions.

use super::Failure;
use bedrock_tray::aws_config_edit::{edit_file, IniDoc, Section};
use bedrock_tray::keychain::{self, Keychain, LongTermKey, OsKeyring};
use bedrock_tray::names::ProfileName;
use bedrock_tray::paths::Paths;
use bedrock_tray::secret::Secret;
use std::io::{BufRead, IsTerminal, Write};

#[derive(clap::Subcommand)]
pub enum CredentialsAction {
    /// Store an access key in the OS keyring (read from the terminal or stdin,
    /// never from arguments) and point the profile's credential_process at it.
    Set {
        #[arg(long)]
        profile: String,
    },
    /// Remove the profile's keys from the keyring and its credential_process line.
    Remove {
        #[arg(long)]
        profile: String,
    },
    /// Move plaintext keys of a profile from ~/.aws/credentials into the keyring.
    Import {
        #[arg(long)]
        profile: String,
    },
}

fn profile_name(s: &str) -> Result<ProfileName, Failure> {
    ProfileName::new(s).map_err(Failure::usage)
}

/// The `credential_process` value: this binary, by absolute path so the AWS
/// clients find it whatever their PATH.
fn credential_process_command(profile: &ProfileName) -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
        .filter(|p| !p.contains(['"', '\n', '\r']))
        .unwrap_or_else(|| "bedrock-tray".to_string());
    let exe = if exe.contains(char::is_whitespace) { format!("\"{exe}\"") } else { exe };
    format!("{exe} credential-process --profile {}", profile.as_str())
}

fn is_ours(value: &str) -> bool {
    value.contains("credential-process --profile")
}

fn read_line_hidden(prompt: &str, hidden: bool) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    if tty {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let echo_off = tty && hidden && stty("-echo");
    let mut line = String::new();
    let res = stdin.lock().read_line(&mut line);
    if echo_off {
        stty("echo");
        eprintln!();
    }
    res.map_err(Failure::env)?;
    Ok(line.trim().to_string())
}

fn stty(arg: &str) -> bool {
    std::process::Command::new("stty")
        .arg(arg)
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success())
}

fn set_credential_process(paths: &Paths, profile: &ProfileName) -> Result<(), Failure> {
    let section = Section::config_profile(profile);
    let value = credential_process_command(profile);
    edit_file(&paths.aws_config, |doc: &mut IniDoc| doc.set(&section, "credential_process", &value))
        .map_err(Failure::env)?;
    Ok(())
}

/// AWS clients prefer static keys over `credential_process`: say so when the
/// profile still has some in either file.
fn warn_if_shadowed(paths: &Paths, profile: &ProfileName) {
    let has_keys = |path: &std::path::Path, section: Section| {
        std::fs::read_to_string(path)
            .ok()
            .is_some_and(|t| IniDoc::parse(&t).get(&section, "aws_access_key_id").is_some())
    };
    if has_keys(&paths.aws_credentials, Section::credentials_profile(profile)) {
        eprintln!(
            "bedrock-tray: warning: {} still holds plaintext keys for profile {profile}, and AWS clients use them before credential_process: run `bedrock-tray credentials import --profile {profile}`",
            paths.aws_credentials.display()
        );
    }
    if has_keys(&paths.aws_config, Section::config_profile(profile)) {
        eprintln!(
            "bedrock-tray: warning: {} still holds aws_access_key_id for profile {profile}, which AWS clients use before credential_process: remove it",
            paths.aws_config.display()
        );
    }
}

/// Runs `credentials ...`.
pub fn run(paths: &Paths, action: CredentialsAction) -> Result<(), Failure> {
    let kc = Keychain::new(OsKeyring);
    match action {
        CredentialsAction::Set { profile } => {
            let profile = profile_name(&profile)?;
            let id = read_line_hidden("AWS access key ID: ", false)?;
            let secret = read_line_hidden("AWS secret access key: ", true)?;
            if id.is_empty() || secret.is_empty() || id.contains(char::is_whitespace) {
                return Err(Failure::usage("expected an access key ID and a secret access key, one per line on stdin"));
            }
            let key = LongTermKey { access_key_id: id, secret_access_key: Secret::new(secret) };
            // Keyring first: if it is unavailable, nothing is written anywhere.
            kc.set_long_term(&profile, &key).map_err(Failure::env)?;
            set_credential_process(paths, &profile)?;
            warn_if_shadowed(paths, &profile);
            println!(
                "stored the key for profile {profile} in the OS keyring; {} now runs `credential-process --profile {profile}`",
                paths.aws_config.display()
            );
        }
        CredentialsAction::Remove { profile } => {
            let profile = profile_name(&profile)?;
            let removed = kc.remove(&profile).map_err(Failure::env)?;
            let section = Section::config_profile(&profile);
            let edited = edit_file(&paths.aws_config, |doc: &mut IniDoc| {
                if !doc.get(&section, "credential_process").is_some_and(is_ours) {
                    return Ok::<_, bedrock_tray::aws_config_edit::EditError>(false);
                }
                doc.remove_key(&section, "credential_process");
                if doc.section_is_empty(&section) {
                    doc.remove_section(&section);
                }
                Ok(true)
            })
            .map_err(Failure::env)?;
            match (removed, edited) {
                (false, false) => println!("profile {profile} had no keys in the keyring and no credential_process of ours"),
                _ => println!("removed profile {profile}'s keys from the keyring and its credential_process line"),
            }
        }
        CredentialsAction::Import { profile } => import(paths, &kc, &profile_name(&profile)?)?,
    }
    Ok(())
}

fn import(paths: &Paths, kc: &Keychain<OsKeyring>, profile: &ProfileName) -> Result<(), Failure> {
    // The credentials file first, as the AWS clients read it first.
    let sources = [
        (&paths.aws_credentials, Section::credentials_profile(profile)),
        (&paths.aws_config, Section::config_profile(profile)),
    ];
    let mut found = None;
    for (path, section) in sources {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Failure::env(format!("cannot read {}: {e}", path.display()))),
        };
        let doc = IniDoc::parse(&text);
        if let (Some(id), Some(secret)) = (doc.get(&section, "aws_access_key_id"), doc.get(&section, "aws_secret_access_key")) {
            let key = LongTermKey { access_key_id: id.to_string(), secret_access_key: Secret::new(secret.to_string()) };
            found = Some((path, section, text, key));
            break;
        }
    }
    let Some((path, section, text, key)) = found else {
        return Err(Failure::usage(format!(
            "neither {} nor {} has aws_access_key_id and aws_secret_access_key for profile {profile}: nothing to import",
            paths.aws_credentials.display(),
            paths.aws_config.display()
        )));
    };
    kc.set_long_term(profile, &key).map_err(Failure::env)?;

    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let backup = path.with_file_name(format!(
        "{}.bedrock-tray-backup-{stamp}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("credentials")
    ));
    bedrock_tray::atomic_file::write_atomic(&backup, text.as_bytes(), 0o600).map_err(Failure::env)?;
    edit_file(path, |doc: &mut IniDoc| {
        for k in ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] {
            doc.remove_key(&section, k);
        }
        if doc.section_is_empty(&section) {
            doc.remove_section(&section);
        }
        Ok::<_, bedrock_tray::aws_config_edit::EditError>(true)
    })
    .map_err(Failure::env)?;
    set_credential_process(paths, profile)?;
    warn_if_shadowed(paths, profile);
    println!(
        "moved profile {profile}'s keys from {} into the OS keyring; the old file is at {} (it still holds the plaintext keys: delete it once `aws sts get-caller-identity --profile {profile}` works)",
        path.display(),
        backup.display()
    );
    Ok(())
}

/// Runs `credential-process`: prints a cached session if it is fresh (no
/// runtime, no config loading), else makes one with STS and caches it.
pub fn credential_process(profile: &str, duration_seconds: i32) -> Result<(), Failure> {
    let profile = profile_name(profile)?;
    let kc = Keychain::new(OsKeyring);
    let now = time::OffsetDateTime::now_utc();
    if let Some(session) = kc.session(&profile).map_err(Failure::env)? {
        if session.is_fresh(now) {
            println!("{}", keychain::session_json(&session));
            return Ok(());
        }
    }
    let key = kc.long_term(&profile).map_err(Failure::env)?.ok_or_else(|| {
        Failure::env(format!(
            "no key for profile {profile} in the OS keyring: run `bedrock-tray credentials set --profile {profile}`"
        ))
    })?;
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".to_string());
    let endpoint = std::env::var("AWS_ENDPOINT_URL_STS").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok();
    let session = keychain::session_from_sts(&profile, &key, &region, endpoint.as_deref(), duration_seconds)
        .map_err(Failure::env)?;
    kc.set_session(&profile, &session).map_err(Failure::env)?;
    println!("{}", keychain::session_json(&session));
    Ok(())
}
