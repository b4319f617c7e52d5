//! `credentials set|remove|import|unlock` and `credential-process`: static
//! keys in the OS keyring, handed to AWS clients only as short STS
//! sessions (with an MFA code when the profile has an `mfa_serial`).

use super::Failure;
use bedrock_tray::aws::credential_process::{self as cp, StsEndpoint};
use bedrock_tray::aws::ini::{edit_file, IniDoc, Section};
use bedrock_tray::aws::keychain::{self, Keychain, LongTermKey, OsKeyring};
use bedrock_tray::names::ProfileName;
use bedrock_tray::paths::Paths;
use bedrock_tray::secret::Secret;
use std::io::{BufRead, IsTerminal, Write};
use time::OffsetDateTime;

#[derive(clap::Subcommand)]
pub enum CredentialsAction {
    /// Store an access key in the OS keyring (read from the terminal or stdin,
    /// never from arguments) and point the profile's credential_process at it.
    Set {
        #[arg(long)]
        profile: String,
        /// ARN (or hardware serial) of the MFA device: sessions then need a
        /// code from it (kept as mfa_serial in ~/.aws/config).
        #[arg(long, value_name = "ARN")]
        mfa_serial: Option<String>,
    },
    /// Remove the profile's keys from the keyring and its credential_process line.
    Remove {
        #[arg(long)]
        profile: String,
    },
    /// Move plaintext keys of a profile from ~/.aws/credentials (or ~/.aws/config) into the keyring.
    Import {
        #[arg(long)]
        profile: String,
    },
    /// Ask for an MFA code (or read BEDROCK_TRAY_MFA_CODE) and cache a new
    /// session, for when credential-process has no terminal to ask on.
    Unlock {
        #[arg(long)]
        profile: String,
        /// Lifetime of the session, in seconds (default 12 hours).
        #[arg(long, default_value_t = 43200, value_parser = clap::value_parser!(i32).range(900..=129600))]
        duration: i32,
    },
}

fn profile_name(s: &str) -> Result<ProfileName, Failure> {
    ProfileName::new(s).map_err(Failure::usage)
}

fn is_ours(value: &str) -> bool {
    keychain::credential_process_profile(value).is_some()
}

fn read_line_hidden(prompt: &str, hidden: bool) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    if tty {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    // rpassword turns echo off on a Unix terminal (termios) and on a
    // Windows console (SetConsoleMode) alike; no `stty` to shell out to.
    if tty && hidden {
        return rpassword::read_password().map(|s| s.trim().to_string()).map_err(Failure::env);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(Failure::env)?;
    Ok(line.trim().to_string())
}

fn set_credential_process(paths: &Paths, profile: &ProfileName, mfa_serial: Option<&str>) -> Result<(), Failure> {
    bedrock_tray::aws::plaintext_keys::set_credential_process(
        paths,
        profile,
        &bedrock_tray::program_path::cli_program()?,
        mfa_serial,
    )
    .map_err(Failure::env)?;
    Ok(())
}

/// The MFA code from `BEDROCK_TRAY_MFA_CODE`, else asked on the
/// controlling terminal: credential-process's stdin and stdout belong to
/// the AWS client that runs it, but the terminal (/dev/tty in line mode,
/// see [`cp::ask_code_on_tty`]; on Windows the console, CONIN$) still
/// reaches the user when there is one. `None`: no code and no terminal.
fn mfa_code_env_or_tty(profile: &ProfileName) -> std::io::Result<Option<String>> {
    if let Ok(code) = std::env::var("BEDROCK_TRAY_MFA_CODE") {
        return Ok(Some(code.trim().to_string()));
    }
    #[cfg(unix)]
    {
        let Ok(tty) = std::fs::File::options().read(true).write(true).open("/dev/tty") else { return Ok(None) };
        cp::ask_code_on_tty(&tty, profile)
    }
    #[cfg(not(unix))]
    {
        // rpassword reads the console itself (CONIN$), not our stdin.
        match rpassword::prompt_password(format!("bedrock-tray: MFA code for profile {profile}: ")) {
            Ok(code) => Ok(Some(code.trim().to_string())),
            Err(_) => Ok(None),
        }
    }
}

/// AWS clients prefer static keys over `credential_process`: say so when the
/// profile still has some in either file.
fn warn_if_shadowed(paths: &Paths, profile: &ProfileName) {
    let has_keys = |path: &std::path::Path, section: Section| {
        bedrock_tray::bounded_read::read_to_string(path, bedrock_tray::bounded_read::MAX_FILE_BYTES)
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
        CredentialsAction::Set { profile, mfa_serial } => {
            let profile = profile_name(&profile)?;
            let mfa_serial = mfa_serial
                .as_deref()
                .map(str::trim)
                .map(keychain::check_mfa_serial)
                .transpose()
                .map_err(Failure::usage)?;
            let id = read_line_hidden("AWS access key ID: ", false)?;
            let secret = read_line_hidden("AWS secret access key: ", true)?;
            if id.is_empty() || secret.is_empty() || id.contains(char::is_whitespace) {
                return Err(Failure::usage("expected an access key ID and a secret access key, one per line on stdin"));
            }
            let key = LongTermKey { access_key_id: id, secret_access_key: Secret::new(secret) };
            // Keyring first: if it is unavailable, nothing is written anywhere.
            kc.set_long_term(&profile, &key).map_err(Failure::env)?;
            set_credential_process(paths, &profile, mfa_serial)?;
            warn_if_shadowed(paths, &profile);
            println!(
                "stored the key for profile {profile} in the OS keyring; {} now runs `credential-process --profile {profile}`",
                paths.aws_config.display()
            );
            if mfa_serial.is_some() {
                println!("sessions need an MFA code: credential-process asks on the terminal, or run `bedrock-tray credentials unlock --profile {profile}`");
            }
        }
        CredentialsAction::Remove { profile } => {
            let profile = profile_name(&profile)?;
            let removed = kc.remove(&profile).map_err(Failure::env)?;
            let section = Section::config_profile(&profile);
            let edited = edit_file(&paths.aws_config, |doc: &mut IniDoc| {
                if !doc.get(&section, "credential_process").is_some_and(is_ours) {
                    return Ok::<_, bedrock_tray::aws::ini::EditError>(false);
                }
                doc.remove_key(&section, "credential_process");
                // An mfa_serial alone is what `set --mfa-serial` left: the
                // profile was only ours. Beside other settings it may be the
                // user's own (assume-role), so it stays.
                if doc.entries(&section).iter().all(|(k, _)| k == "mfa_serial") {
                    doc.remove_key(&section, "mfa_serial");
                }
                if doc.section_is_empty(&section) {
                    doc.remove_section(&section);
                }
                Ok(true)
            })
            .map_err(Failure::env)?;
            match (removed, edited) {
                (false, false) => {
                    println!("profile {profile} had no keys in the keyring and no credential_process of ours")
                }
                _ => println!("removed profile {profile}'s keys from the keyring and its credential_process line"),
            }
        }
        CredentialsAction::Import { profile } => import(paths, &kc, &profile_name(&profile)?)?,
        CredentialsAction::Unlock { profile, duration } => unlock(paths, &kc, &profile_name(&profile)?, duration)?,
    }
    Ok(())
}

fn import(paths: &Paths, kc: &Keychain<OsKeyring>, profile: &ProfileName) -> Result<(), Failure> {
    use bedrock_tray::aws::plaintext_keys;
    let done = plaintext_keys::import(paths, kc, profile, &bedrock_tray::program_path::cli_program()?)?;
    warn_if_shadowed(paths, profile);
    println!(
        "moved profile {profile}'s keys from {} into the OS keyring; the old file is backed up, its secret values redacted, at {}",
        done.from.display(),
        done.backup.display()
    );
    Ok(())
}

fn unlock(
    paths: &Paths,
    kc: &Keychain<OsKeyring>,
    profile: &ProfileName,
    duration_seconds: i32,
) -> Result<(), Failure> {
    let Some(serial) = cp::mfa_serial_of(&paths.aws_config, profile).map_err(Failure::env)? else {
        return Err(Failure::usage(format!(
            "profile {profile} has no mfa_serial in {}: its sessions need no unlock (add one with `bedrock-tray credentials set --profile {profile} --mfa-serial ARN`)",
            paths.aws_config.display()
        )));
    };
    let code = match std::env::var("BEDROCK_TRAY_MFA_CODE") {
        Ok(c) => c.trim().to_string(),
        Err(_) => read_line_hidden(&format!("MFA code for profile {profile}: "), false)?,
    };
    let code = keychain::check_mfa_code(&code)?;
    let _lock = keychain::lock_refresh(&paths.app_dir, profile).map_err(Failure::env)?;
    let mfa = Some(keychain::Mfa { serial: &serial, code });
    let session =
        cp::new_session(kc, profile, &StsEndpoint::from_env(), duration_seconds, mfa).map_err(Failure::env)?;
    println!("unlocked profile {profile}: its session is cached in the OS keyring until {}", session.expiration);
    Ok(())
}

/// Runs `credential-process`: prints a cached session if it is fresh (no
/// runtime, no config loading), else makes one with STS and caches it.
/// `export` prints Claude Code's `awsCredentialExport` shape instead of
/// the `credential_process` one.
pub fn credential_process(profile: &str, duration_seconds: i32, export: bool) -> Result<(), Failure> {
    let profile = profile_name(profile)?;
    let kc = Keychain::new(OsKeyring);
    let print = |s: &keychain::SessionCredentials| {
        println!("{}", if export { keychain::export_json(s) } else { keychain::session_json(s) });
    };
    let cached = cp::fresh_session(&kc, &profile, OffsetDateTime::now_utc());
    if let Ok(Some(session)) = &cached {
        print(session);
        return Ok(());
    }
    let paths = Paths::from_env().map_err(Failure::env)?;
    if export {
        if let Some(session) = sso_role_session(&paths, &kc, &profile)? {
            print(&session);
            return Ok(());
        }
    }
    cached.map_err(Failure::env)?;
    let session = cp::renew(
        &kc,
        &profile,
        &paths.app_dir,
        &paths.aws_config,
        &StsEndpoint::from_env(),
        duration_seconds,
        OffsetDateTime::now_utc,
        mfa_code_env_or_tty,
    )?;
    print(&session);
    Ok(())
}

/// Role credentials when `profile` is an SSO profile (scoped credentials:
/// Claude Code's `awsCredentialExport`), cached in the keyring when there
/// is one; `None` for any other profile.
fn sso_role_session(
    paths: &Paths,
    kc: &Keychain<OsKeyring>,
    profile: &ProfileName,
) -> Result<Option<keychain::SessionCredentials>, Failure> {
    let profiles = bedrock_tray::aws::profiles::AwsProfiles::load(&paths.aws_config, &paths.aws_credentials)
        .map_err(Failure::env)?;
    let Some(p) = profiles.get(profile.as_str()).filter(|p| p.credentials.is_sso()) else { return Ok(None) };
    let now = OffsetDateTime::now_utc();
    let session = super::runtime()?.block_on(cp::sso_role_session(&paths.sso_cache_dir, p, now))?;
    // A keyring that cannot be reached only costs a call next time.
    if let Err(e) = kc.set_session(profile, &session) {
        tracing::debug!("role credentials not cached: {e}");
    }
    Ok(Some(session))
}
