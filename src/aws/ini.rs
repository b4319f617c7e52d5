//! A line-preserving editor for `~/.aws/config` and `~/.aws/credentials`.
//!
//! The AWS files are INI with AWS quirks (indented continuation lines for
//! nested settings such as `s3 =`, `#` and `;` comments). This editor keeps
//! every line it was not asked to change byte for byte: comments, blank
//! lines, order, line endings, other profiles. Section and key names come
//! from validated types ([`Section`]) or are checked here, and values may not
//! contain line breaks, so a hostile string cannot add a line or a section.

use crate::atomic_file::WriteError;
use crate::names::{ProfileName, SsoSessionName};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A section header, as written between `[` and `]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section(String);

impl Section {
    /// A profile in `~/.aws/config`: `[default]` or `[profile NAME]`.
    pub fn config_profile(name: &ProfileName) -> Self {
        if name.as_str() == "default" {
            Self("default".into())
        } else {
            Self(format!("profile {}", name.as_str()))
        }
    }

    /// A profile in `~/.aws/credentials`: `[NAME]`.
    pub fn credentials_profile(name: &ProfileName) -> Self {
        Self(name.as_str().to_string())
    }

    /// An `[sso-session NAME]` block in `~/.aws/config`.
    pub fn sso_session(name: &SsoSessionName) -> Self {
        Self(format!("sso-session {}", name.as_str()))
    }

    /// A header as [`IniDoc::sections`] read it from the file, to edit a
    /// section that is already there.
    pub(crate) fn existing(header: &str) -> Self {
        Self(header.to_string())
    }

    /// A header as read from a file (tests only: writes go through the
    /// validated constructors).
    #[cfg(test)]
    pub(crate) fn raw(header: &str) -> Self {
        Self(header.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key or value the editor refuses to write.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("invalid setting name {0:?}: only letters, digits and _ are allowed")]
    BadKey(String),
    #[error("invalid value for {key}: it must not contain a line break")]
    BadValue { key: String },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn check_key(key: &str) -> Result<(), EditError> {
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(EditError::BadKey(key.to_string()));
    }
    Ok(())
}

fn check_value(key: &str, value: &str) -> Result<(), EditError> {
    if value.contains(['\n', '\r']) {
        return Err(EditError::BadValue { key: key.to_string() });
    }
    Ok(())
}

/// An AWS INI file as lines, each with its own line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniDoc {
    lines: Vec<String>,
}

/// The header name of a line, if it is a section header.
fn header_name(line: &str) -> Option<&str> {
    let t = line.trim();
    let rest = t.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some(rest[..end].trim())
}

/// The key of a `key = value` line that starts a setting (not indented).
fn key_of(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) {
        return None;
    }
    let t = line.trim_end_matches(['\r', '\n']);
    if t.starts_with(['#', ';', '[']) {
        return None;
    }
    let eq = t.find('=')?;
    Some(t[..eq].trim())
}

fn is_continuation(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with(';')
}

impl IniDoc {
    pub fn parse(text: &str) -> Self {
        Self { lines: text.split_inclusive('\n').map(str::to_string).collect() }
    }

    pub fn render(&self) -> String {
        self.lines.concat()
    }

    fn newline(&self) -> &'static str {
        if self.lines.first().is_some_and(|l| l.ends_with("\r\n")) {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// The line range of a section: its header line to the line before the
    /// next header (or the end). The first section of that name wins, as in
    /// the AWS CLI.
    pub fn find_section(&self, section: &Section) -> Option<Range<usize>> {
        let start = self.lines.iter().position(|l| header_name(l) == Some(section.as_str()))?;
        let end = self.lines[start + 1..]
            .iter()
            .position(|l| header_name(l).is_some())
            .map_or(self.lines.len(), |p| start + 1 + p);
        Some(start..end)
    }

    /// The names of every section header, in file order.
    pub fn sections(&self) -> Vec<String> {
        self.lines.iter().filter_map(|l| header_name(l)).map(str::to_string).collect()
    }

    /// The sections in which [`IniDoc::get`] would find `key` with a
    /// non-empty value, in file order, in one pass over the file (calling
    /// `get` per section is quadratic: 90 ms for 2,000 profiles).
    pub fn sections_setting(&self, key: &str) -> Vec<String> {
        let mut seen_headers = std::collections::HashSet::new();
        let mut decided = std::collections::HashSet::new();
        let mut current: Option<&str> = None;
        let mut out = Vec::new();
        for line in &self.lines {
            if let Some(h) = header_name(line) {
                // Only the first section of a name counts, as in `get`.
                current = seen_headers.insert(h).then_some(h);
                continue;
            }
            let Some(h) = current else { continue };
            if key_of(line) == Some(key) && decided.insert(h) {
                let value = line.find('=').map_or("", |eq| line[eq + 1..].trim());
                if !value.is_empty() {
                    out.push(h.to_string());
                }
            }
        }
        out
    }

    /// The line after the setting at line `i` and its continuation lines.
    /// An indented header (`  [profile b]`) looks like a continuation but
    /// starts the next section: it is never part of the setting.
    fn setting_end(&self, section: &Section, i: usize) -> usize {
        let section_end = self.find_section(section).map_or(self.lines.len(), |r| r.end);
        let mut end = i + 1;
        while end < section_end && is_continuation(&self.lines[end]) {
            end += 1;
        }
        end
    }

    fn key_line(&self, section: &Section, key: &str) -> Option<usize> {
        let range = self.find_section(section)?;
        (range.start + 1..range.end).find(|&i| key_of(&self.lines[i]) == Some(key))
    }

    /// The value of `key` in `section`, trimmed.
    pub fn get(&self, section: &Section, key: &str) -> Option<&str> {
        let line = &self.lines[self.key_line(section, key)?];
        let eq = line.find('=')?;
        Some(line[eq + 1..].trim())
    }

    /// The `key = value` pairs of a section (continuation lines skipped).
    pub fn entries(&self, section: &Section) -> Vec<(String, String)> {
        let Some(range) = self.find_section(section) else { return Vec::new() };
        self.lines[range.start + 1..range.end]
            .iter()
            .filter_map(|l| {
                let k = key_of(l)?;
                let v = l[l.find('=')? + 1..].trim();
                Some((k.to_string(), v.to_string()))
            })
            .collect()
    }

    fn ensure_trailing_newline(&mut self) {
        let nl = self.newline();
        if let Some(last) = self.lines.last_mut() {
            if !last.ends_with('\n') {
                last.push_str(nl);
            }
        }
    }

    /// Adds an empty section at the end of the file unless it exists.
    /// Returns whether it was added.
    pub fn add_section(&mut self, section: &Section) -> bool {
        if self.find_section(section).is_some() {
            return false;
        }
        self.ensure_trailing_newline();
        let nl = self.newline();
        if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
            self.lines.push(nl.to_string());
        }
        self.lines.push(format!("[{}]{nl}", section.as_str()));
        true
    }

    /// Sets `key = value` in `section`, replacing the first existing line of
    /// that key in place (with its continuation lines) or appending after the
    /// section's last setting. The section is added if missing.
    ///
    /// # Errors
    /// A key with characters other than letters, digits and `_`, or a value
    /// with a line break.
    pub fn set(&mut self, section: &Section, key: &str, value: &str) -> Result<bool, EditError> {
        check_key(key)?;
        check_value(key, value)?;
        if self.get(section, key) == Some(value.trim()) && !value.is_empty() {
            return Ok(false);
        }
        self.add_section(section);
        let nl = self.newline();
        let new_line = format!("{key} = {value}{nl}");
        if let Some(i) = self.key_line(section, key) {
            let ending = if self.lines[i].ends_with('\n') { "" } else { "no-newline" };
            let end = self.setting_end(section, i);
            let mut replacement = new_line;
            if !ending.is_empty() && end == self.lines.len() {
                replacement.truncate(replacement.len() - nl.len());
            }
            self.lines.splice(i..end, [replacement]);
            return Ok(true);
        }
        let range = self.find_section(section).expect("section was just added");
        // After the last line that belongs to the section's settings, so
        // trailing blank lines and comments before the next header stay put.
        let mut at = range.end;
        while at > range.start + 1 && is_blank_or_comment(&self.lines[at - 1]) {
            at -= 1;
        }
        if at == self.lines.len() {
            self.ensure_trailing_newline();
        }
        self.lines.insert(at, new_line);
        Ok(true)
    }

    /// Removes `key` (and its continuation lines) from `section`. Returns
    /// whether anything was removed.
    pub fn remove_key(&mut self, section: &Section, key: &str) -> bool {
        let Some(i) = self.key_line(section, key) else { return false };
        let end = self.setting_end(section, i);
        self.lines.drain(i..end);
        true
    }

    /// Removes a whole section, its header and its lines. Returns whether it
    /// existed.
    pub fn remove_section(&mut self, section: &Section) -> bool {
        let Some(range) = self.find_section(section) else { return false };
        self.lines.drain(range);
        true
    }

    /// Whether a section has no settings left (only blanks and comments).
    pub fn section_is_empty(&self, section: &Section) -> bool {
        self.find_section(section)
            .is_some_and(|r| self.lines[r.start + 1..r.end].iter().all(|l| is_blank_or_comment(l)))
    }
}

/// Reads `path` (a missing file is empty), applies `edit`, and writes the
/// result atomically if `edit` returned `true` and the text changed. New
/// files are created 0600. If another program (the AWS CLI, an editor,
/// another bedrock-tray) replaced the file meanwhile, `edit` runs again on
/// their version ([`crate::atomic_file::update_atomic`]), so neither
/// change is lost.
///
/// # Errors
/// The file cannot be read or written, or `edit` fails.
pub fn edit_file<E>(path: &Path, mut edit: impl FnMut(&mut IniDoc) -> Result<bool, E>) -> Result<bool, E>
where
    E: From<EditError>,
{
    let current = match crate::bounded_read::read(path, crate::bounded_read::MAX_FILE_BYTES) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(EditError::Read { path: path.to_path_buf(), source }.into()),
    };
    let not_text = |_| EditError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    };
    let wrote = crate::atomic_file::update_atomic(path, current, 0o600, |current| {
        let text = std::str::from_utf8(current.unwrap_or_default()).map_err(|e| Wrapped(not_text(e).into()))?;
        let mut doc = IniDoc::parse(text);
        if !edit(&mut doc).map_err(Wrapped)? {
            return Ok(None);
        }
        let new = doc.render();
        Ok((new != text).then(|| new.into_bytes()))
    });
    wrote.map_err(|Wrapped(e)| e)
}

/// `edit_file`'s error, convertible from a [`WriteError`].
struct Wrapped<E>(E);
impl<E: From<EditError>> From<WriteError> for Wrapped<E> {
    fn from(e: WriteError) -> Self {
        Self(EditError::from(e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_edit_racing_another_writer_keeps_both_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[profile a]\nregion = eu-west-1\n").unwrap();
        let mut runs = 0;
        let section = Section::config_profile(&ProfileName::new("a").unwrap());
        edit_file(&path, |doc| {
            runs += 1;
            if runs == 1 {
                // `aws configure set` writes while we edit.
                std::fs::write(&path, "[profile a]\nregion = eu-west-1\noutput = json\n").unwrap();
            }
            doc.set(&section, "credential_process", "bedrock-tray credential-process --profile a")
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("output = json"), "their change survives: {text}");
        assert!(text.contains("credential_process = bedrock-tray"), "ours is made: {text}");
    }

    fn profile(name: &str) -> Section {
        Section::config_profile(&ProfileName::new(name).unwrap())
    }

    const SAMPLE: &str = "# my config\n[default]\nregion = us-east-1\n\n[profile dev]  ; inline\nregion=eu-west-1\ns3 =\n  max_concurrent_requests = 10\n# keep me\n\n[sso-session corp]\nsso_start_url = https://x\n";

    #[test]
    fn sections_setting_a_key_agree_with_get() {
        let text = "[a]\nk = 1\n[b]\nk =\n[c]\nother = 1\n  k = indented\n[a]\nk = shadowed\n[d]\nk = \nk = second\n[e]\n# k = 1\nk=2\n";
        let doc = IniDoc::parse(text);
        let by_get: Vec<String> = doc
            .sections()
            .into_iter()
            .filter(|h| doc.get(&Section::raw(h), "k").is_some_and(|v| !v.is_empty()))
            .fold(Vec::new(), |mut v, h| {
                if !v.contains(&h) {
                    v.push(h)
                }
                v
            });
        assert_eq!(doc.sections_setting("k"), by_get);
        assert_eq!(doc.sections_setting("k"), ["a", "e"]);
    }

    #[test]
    fn round_trips_byte_for_byte() {
        assert_eq!(IniDoc::parse(SAMPLE).render(), SAMPLE);
        let crlf = SAMPLE.replace('\n', "\r\n");
        assert_eq!(IniDoc::parse(&crlf).render(), crlf);
    }

    #[test]
    fn set_appends_after_last_setting_keeping_comments() {
        let mut doc = IniDoc::parse(SAMPLE);
        assert!(doc
            .set(&profile("dev"), "credential_process", "bedrock-tray credential-process --profile dev")
            .unwrap());
        let out = doc.render();
        assert!(
            out.contains("  max_concurrent_requests = 10\ncredential_process = bedrock-tray credential-process --profile dev\n# keep me\n"),
            "new key goes after the section's last setting, before its trailing comment: {out}"
        );
        assert!(doc.remove_key(&profile("dev"), "credential_process"));
        assert_eq!(doc.render(), SAMPLE, "remove undoes set exactly");
    }

    #[test]
    fn set_replaces_in_place_with_continuations() {
        let mut doc = IniDoc::parse(SAMPLE);
        doc.set(&profile("dev"), "s3", "x").unwrap();
        assert_eq!(doc.render(), SAMPLE.replace("s3 =\n  max_concurrent_requests = 10\n", "s3 = x\n"));
        assert_eq!(doc.get(&profile("dev"), "region"), Some("eu-west-1"));
    }

    #[test]
    fn adds_missing_section_at_end() {
        let mut doc = IniDoc::parse("[default]\nregion = us-east-1");
        doc.set(&profile("new"), "region", "eu-west-1").unwrap();
        assert_eq!(doc.render(), "[default]\nregion = us-east-1\n\n[profile new]\nregion = eu-west-1\n");
        let mut empty = IniDoc::parse("");
        empty.set(&profile("default"), "region", "us-east-1").unwrap();
        assert_eq!(empty.render(), "[default]\nregion = us-east-1\n");
    }

    #[test]
    fn refuses_line_breaks_and_bad_keys() {
        let mut doc = IniDoc::parse(SAMPLE);
        assert!(matches!(doc.set(&profile("dev"), "region", "x\n[profile evil]"), Err(EditError::BadValue { .. })));
        assert!(matches!(doc.set(&profile("dev"), "a b", "x"), Err(EditError::BadKey(_))));
        assert!(matches!(doc.set(&profile("dev"), "a=b", "x"), Err(EditError::BadKey(_))));
        assert_eq!(doc.render(), SAMPLE, "a refused edit changes nothing");
        assert!(ProfileName::new("dev]\n[evil").is_err(), "hostile profile names never become a Section");
    }

    #[test]
    fn an_indented_header_is_never_taken_for_a_continuation() {
        // Found by the config_edit fuzz target: replacing `s3` swallowed
        // the next section's header along with its "continuation".
        let text = "[profile a]\ns3 =\n  [profile b]\nregion = x\n";
        let mut doc = IniDoc::parse(text);
        doc.set(&profile("a"), "s3", "y").unwrap();
        assert_eq!(doc.render(), "[profile a]\ns3 = y\n  [profile b]\nregion = x\n");
        let mut doc = IniDoc::parse(text);
        assert!(doc.remove_key(&profile("a"), "s3"));
        assert_eq!(doc.render(), "[profile a]\n  [profile b]\nregion = x\n");
    }

    #[test]
    fn remove_section_keeps_neighbours() {
        let mut doc = IniDoc::parse(SAMPLE);
        assert!(doc.remove_section(&profile("dev")));
        assert_eq!(doc.sections(), vec!["default", "sso-session corp"]);
        assert!(doc.render().starts_with("# my config\n[default]\nregion = us-east-1\n\n[sso-session corp]"));
    }

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_]{1,8} ?= ?[ -~]{0,12}\r?\n",
            "[ \t]+[a-z]{1,5} = [a-z0-9]{0,5}\n",
            "[#;][ -~]{0,15}\n",
            "\n",
            "\\[(profile )?[a-z]{1,4}\\][ ]*\n",
            "[ -~]{0,20}\n",
        ]
    }

    proptest! {
        #[test]
        fn parse_render_is_identity(lines in proptest::collection::vec(line(), 0..30), tail in "[ -~]{0,10}") {
            let text = lines.concat() + &tail;
            prop_assert_eq!(IniDoc::parse(&text).render(), text);
        }

        #[test]
        fn set_touches_only_its_section(lines in proptest::collection::vec(line(), 0..30), name in "[a-z]{1,4}", value in "[ -~]{0,20}") {
            let text = lines.concat();
            let section = profile(&name);
            let mut doc = IniDoc::parse(&text);
            let before_other: Vec<String> = doc.sections().into_iter().filter(|s| s != section.as_str()).collect();
            doc.set(&section, "credential_process", &value).unwrap();
            prop_assert_eq!(doc.get(&section, "credential_process"), Some(value.trim()));
            let after_other: Vec<String> = doc.sections().into_iter().filter(|s| s != section.as_str()).collect();
            prop_assert_eq!(before_other, after_other);
            // Every line of the original outside the edited section is still there, in order.
            let orig = IniDoc::parse(&text);
            let keep: Vec<&String> = match orig.find_section(&section) {
                Some(r) => orig.lines[..r.start].iter().chain(orig.lines[r.end..].iter()).collect(),
                None => orig.lines.iter().collect(),
            };
            let out = doc.render();
            let mut rest = out.as_str();
            for l in keep {
                let l = l.trim_end_matches('\n');
                let pos = rest.find(l);
                prop_assert!(pos.is_some(), "line {:?} lost in {:?}", l, out);
                rest = &rest[pos.unwrap() + l.len()..];
            }
        }

        #[test]
        fn set_then_get_returns_any_value(lines in proptest::collection::vec(line(), 0..20), crlf in any::<bool>(), name in "[a-z]{1,3}", value in "[^\r\n]{0,24}") {
            let text = if crlf { lines.concat().replace('\n', "\r\n") } else { lines.concat() };
            let section = profile(&name);
            let mut doc = IniDoc::parse(&text);
            doc.set(&section, "region", &value).unwrap();
            prop_assert_eq!(doc.get(&section, "region"), Some(value.trim()));
            // What we wrote reads back the same after a render and re-parse.
            let reread = IniDoc::parse(&doc.render());
            prop_assert_eq!(reread.get(&section, "region"), Some(value.trim()));
        }

        #[test]
        fn remove_section_keeps_every_other_line_byte_for_byte(lines in proptest::collection::vec(line(), 0..30), name in "[a-z]{1,3}") {
            let text = lines.concat();
            let section = profile(&name);
            let orig = IniDoc::parse(&text);
            let mut doc = orig.clone();
            match orig.find_section(&section) {
                Some(r) => {
                    prop_assert!(doc.remove_section(&section));
                    let expected = orig.lines[..r.start].concat() + &orig.lines[r.end..].concat();
                    prop_assert_eq!(doc.render(), expected);
                }
                None => {
                    prop_assert!(!doc.remove_section(&section));
                    prop_assert_eq!(doc.render(), text);
                }
            }
        }

        #[test]
        fn set_then_remove_of_new_key_restores(mut lines in proptest::collection::vec(line(), 0..30), at in 0usize..31, value in "[!-~]{1,20}") {
            let at = at % (lines.len() + 1);
            lines.insert(at, "[profile zz]\n".to_string());
            let text = lines.concat();
            let section = profile("zz");
            let orig = IniDoc::parse(&text);
            prop_assume!(orig.find_section(&section).is_some());
            prop_assume!(orig.get(&section, "credential_process").is_none());
            let mut doc = orig.clone();
            doc.set(&section, "credential_process", &value).unwrap();
            doc.remove_key(&section, "credential_process");
            prop_assert_eq!(doc.render(), text);
        }
    }
}
