//! `bedrock-tray onboard`: a new laptop from a team preset in one command.

use super::Failure;
use bedrock_tray::onboard::{self, OnboardRequest, Progress, SignIn};
use bedrock_tray::paths::Paths;
use bedrock_tray::preset_source;
use bedrock_tray::sso::accounts::AccountRole;
use std::io::{BufRead, IsTerminal, Write};
use time::OffsetDateTime;

#[derive(clap::Args)]
pub struct OnboardArgs {
    /// The team preset (see presets/example.toml): a file or an https:// URL
    /// (default: the managed preset, /etc/bedrock-tray/preset.toml on Linux).
    #[arg(long, value_name = "FILE|URL")]
    preset: Option<String>,
    /// Refuse the preset unless its SHA-256 is this (hex).
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,
    /// A team from the preset: decides the account and role.
    #[arg(long)]
    team: Option<String>,
    /// The AWS profile to write (default: the preset's).
    #[arg(long)]
    profile: Option<String>,
    /// Account to use when the preset's team does not decide.
    #[arg(long, requires = "role")]
    account: Option<String>,
    /// Role to use with --account.
    #[arg(long, requires = "account")]
    role: Option<String>,
    /// Model instead of the preset's default (e.g. opus, sonnet).
    #[arg(long)]
    model: Option<String>,
    /// Geography instead of the preset's default (e.g. eu, us, global).
    #[arg(long = "geo", alias = "geography")]
    geography: Option<String>,
    /// Also write one profile per reachable account and role.
    #[arg(long)]
    all_roles: bool,
    /// Print the sign-in link and code instead of opening the browser.
    #[arg(long)]
    no_browser: bool,
    /// Ask nothing: fail instead of prompting (for fleet tools).
    #[arg(long)]
    yes: bool,
    /// Replace a conflicting [sso-session] or [profile] block.
    #[arg(long)]
    force: bool,
    #[arg(long)]
    json: bool,
}

struct Terminal {
    interactive: bool,
}

impl Progress for Terminal {
    fn step(&mut self, title: &str) {
        eprintln!("==> {title}");
    }
    fn detail(&mut self, line: &str) {
        eprintln!("    {line}");
    }
    fn choose(&mut self, roles: &[AccountRole]) -> Option<usize> {
        if !self.interactive {
            return None;
        }
        for (i, r) in roles.iter().enumerate() {
            eprintln!("    {:>3}) {} ({}) as {}", i + 1, r.account_name, r.account_id, r.role_name);
        }
        eprint!("    which one? ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        line.trim().parse::<usize>().ok().and_then(|n| n.checked_sub(1))
    }
}

pub fn run(paths: &Paths, args: OnboardArgs, now: OffsetDateTime) -> Result<(), Failure> {
    // The whole preset is checked before anything is touched.
    let runtime = super::runtime()?;
    let source = match &args.preset {
        Some(s) => s.clone(),
        None => {
            let managed = &paths.managed_preset;
            if !managed.is_file() {
                return Err(Failure::usage(format!(
                    "no --preset given and no managed preset at {}: add --preset FILE|https://URL",
                    managed.display()
                )));
            }
            managed.to_string_lossy().into_owned()
        }
    };
    let preset = runtime.block_on(preset_source::load(&source, args.sha256.as_deref()))?;
    eprintln!("Onboarding {} onto Claude Code on Amazon Bedrock", preset.organisation);
    let request = OnboardRequest {
        team: args.team,
        profile: args.profile,
        account_id: args.account,
        role_name: args.role,
        all_roles: args.all_roles,
        force: args.force,
        model: args.model,
        geography: args.geography,
    };
    let mut progress = Terminal { interactive: !args.yes && std::io::stdin().is_terminal() };
    let summary = runtime.block_on(onboard::run(
        paths,
        &preset,
        &request,
        &mut progress,
        SignIn { prompt: &mut super::login::TerminalPrompt, open_browser: !args.no_browser },
        now,
    ))?;
    if args.json {
        super::render::print_json(&summary);
        return Ok(());
    }
    if !summary.config_changed && summary.settings_changed == 0 {
        println!("Already onboarded: nothing changed.");
    } else {
        println!("Onboarded: profile {} is selected in Claude Code.", summary.profile);
    }
    if summary.probes_passed {
        println!("Verified: credentials, identity and Bedrock access work.");
    }
    for item in &summary.to_do {
        println!("  to do: {item}");
    }
    Ok(())
}
