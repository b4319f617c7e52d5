//! The Linux package as a user installs it: `scripts/package.sh --debug`
//! bundles the debug build the other tests use (no second build) into a
//! .deb with Tauri's bundler, `dpkg-deb -x` unpacks it into a temporary
//! root, and the CLI and app run from there. The commands they write name
//! the installed CLI by an absolute path that runs from a shell whose PATH
//! is only `/usr/bin:/bin` (a desktop launcher's Claude Code).
//! `BEDROCK_TRAY_DEB=FILE` tests a .deb built elsewhere (`make package`).

use crate::tray_e2e::{xvfb, Killed};
use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The .deb under test, built once per test run.
fn deb() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        if let Some(given) = std::env::var_os("BEDROCK_TRAY_DEB") {
            return PathBuf::from(given);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new(root.join("scripts/package.sh")).arg("--debug").output().expect("run package.sh");
        assert!(out.status.success(), "scripts/package.sh --debug failed: {}", text(&out));
        let dir = root.join("target/debug/bundle/deb");
        let version = env!("CARGO_PKG_VERSION");
        let deb = dir.join(format!("bedrock-tray_{version}_amd64.deb"));
        assert!(deb.is_file(), "{} not built: {}", deb.display(), text(&out));
        deb
    })
}

/// The package unpacked into a fresh temporary root.
fn unpacked() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new("dpkg-deb").arg("-x").arg(deb()).arg(root.path()).output().unwrap();
    assert!(out.status.success(), "dpkg-deb -x: {}", text(&out));
    root
}

fn installed_cli(root: &Path, home: &TestHome, args: &[&str]) -> String {
    let mut cmd = Command::new(root.join("usr/bin/bedrock-tray"));
    cmd.args(args);
    home.isolate(&mut cmd);
    // What a desktop session gives: no build folder, no ~/.cargo/bin.
    cmd.env("PATH", "/usr/bin:/bin");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "installed bedrock-tray {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// `command`'s program (its first shell word) run with `--version` by `sh`
/// under `env -i PATH=/usr/bin:/bin`.
fn runs_from_a_minimal_path(command: &str, args_after_program: &str) -> String {
    let word = command.strip_suffix(args_after_program).unwrap_or_else(|| panic!("{command}"));
    let out = Command::new("env")
        .args(["-i", "PATH=/usr/bin:/bin", "sh", "-c", &format!("{word} --version")])
        .output()
        .unwrap();
    assert!(out.status.success(), "`{word} --version` under PATH=/usr/bin:/bin: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_deb_installs_the_cli_beside_the_app_with_a_desktop_entry_and_its_dependencies() {
    let root = unpacked();
    for file in ["usr/bin/bedrock-tray", "usr/bin/bedrock-tray-app", "usr/share/applications/bedrock-tray.desktop"] {
        assert!(root.path().join(file).is_file(), "{file} is in the package");
    }
    let entry = std::fs::read_to_string(root.path().join("usr/share/applications/bedrock-tray.desktop")).unwrap();
    assert!(entry.lines().any(|l| l == "Exec=bedrock-tray-app"), "the launcher starts the app: {entry}");
    let icon = entry.lines().find_map(|l| l.strip_prefix("Icon=")).expect("an icon");
    assert!(root.path().join(format!("usr/share/icons/hicolor/128x128/apps/{icon}.png")).is_file(), "{icon}");
    let depends = Command::new("dpkg-deb").arg("-f").arg(deb()).arg("Depends").output().unwrap();
    let depends = String::from_utf8(depends.stdout).unwrap();
    for lib in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libayatana-appindicator3-1"] {
        assert!(depends.contains(lib), "Depends names {lib}: {depends}");
    }
}

#[test]
fn the_installed_cli_writes_commands_that_run_from_a_launchers_path() {
    let root = unpacked();
    let cli = root.path().join("usr/bin/bedrock-tray");
    let home = TestHome::new();
    home.write_aws_config(&format!(
        "{SSO_CONFIG}\n[profile kc]\ncredential_process = bedrock-tray credential-process --profile kc\nregion = eu-west-1\n"
    ));
    home.write_settings("{}");
    installed_cli(root.path(), &home, &["use", "--profile", "dev", "--geo", "eu", "--model", "sonnet"]);
    let refresh = home.settings_json()["awsAuthRefresh"].as_str().unwrap().to_string();
    assert_eq!(refresh, format!("{} login --profile dev", cli.display()), "the installed CLI, by absolute path");
    assert!(runs_from_a_minimal_path(&refresh, " login --profile dev").starts_with("bedrock-tray "));
    let status = installed_cli(root.path(), &home, &["status", "--json"]);
    assert!(status.contains("\"dev\""), "status from the package reads the same files: {status}");

    // A credential_process written by an older setup (a bare name) is
    // pointed at the installed CLI, and then runs from a minimal PATH too.
    let repaired = installed_cli(root.path(), &home, &["repair"]);
    assert!(repaired.contains("[profile kc] credential_process"), "{repaired}");
    let config = std::fs::read_to_string(home.aws_config()).unwrap();
    let line = config.lines().find_map(|l| l.strip_prefix("credential_process = ")).unwrap().to_string();
    assert_eq!(line, format!("{} credential-process --profile kc", cli.display()));
    runs_from_a_minimal_path(&line, " credential-process --profile kc");
}

#[test]
fn the_installed_app_repoints_a_stale_command_at_start() {
    let root = unpacked();
    let cli = root.path().join("usr/bin/bedrock-tray");
    let home = TestHome::new();
    home.write_aws_config(SSO_CONFIG);
    // As left by a build folder that has since been deleted.
    home.write_settings(
        r#"{"awsAuthRefresh": "/gone/target/debug/bedrock-tray login --profile dev", "env": {"AWS_PROFILE": "dev"}}"#,
    );
    let (_x, display) = xvfb();
    let (_bus, address) = session_bus();
    let mut app = Command::new(root.path().join("usr/bin/bedrock-tray-app"));
    home.isolate(&mut app);
    app.env("PATH", "/usr/bin:/bin")
        .env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("BEDROCK_TRAY_NO_AUTO_LOGIN", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _app = Killed(app.spawn().unwrap());
    let want = format!("{} login --profile dev", cli.display());
    wait_until(Duration::from_secs(30), "the app rewrites awsAuthRefresh at start", || {
        home.settings_json()["awsAuthRefresh"] == want.as_str()
    });
}
