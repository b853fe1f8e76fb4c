//! The `:` command line: jump to a pane or the key expiry overview, look at one org number,
//! switch profile; Tab completes.

use crate::api::types::OrgNumber;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Scopes,
    Public,
    Access,
    Clients,
    Keys,
    Expiring,
    Org(OrgNumber),
    /// Every request waiting for an answer, of every own scope.
    Requests,
    Profile(String),
    Journal,
    /// Plan an estate file against the live estate.
    Plan(std::path::PathBuf),
    /// Write the live estate to a new estate file.
    Export(std::path::PathBuf),
    Doctor,
    Help,
    Quit,
}

/// (word, takes an argument, what it does) — drives parsing, completion and the help text.
pub const COMMANDS: &[(&str, bool, &str)] = &[
    ("scopes", false, "own scopes"),
    ("public", false, "public scopes of all organisations"),
    ("access", false, "grants of the selected scope"),
    ("clients", false, "clients"),
    ("keys", false, "keys of the selected client"),
    (
        "expiring",
        false,
        "every key of every client, soonest expiry first",
    ),
    ("org", true, "everything one org number has from us"),
    (
        "requests",
        false,
        "every access request waiting for an answer, oldest first",
    ),
    ("profile", true, "switch to another profile"),
    ("journal", false, "the latest changes made with mpadmin"),
    (
        "plan",
        true,
        "what applying an estate file would change (A applies)",
    ),
    ("export", true, "write the live estate to a new estate file"),
    (
        "doctor",
        false,
        "check profile, certificate, network, clock, token and scopes",
    ),
    ("help", false, "key help"),
    ("quit", false, "quit"),
];

pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Err("empty command: try :scopes, :clients, :org 991825827, :profile NAME".into());
    };
    let arg = words.next();
    let cmd = match (word, arg) {
        ("scopes" | "s", None) => Command::Scopes,
        ("public", None) => Command::Public,
        ("access" | "a", None) => Command::Access,
        ("clients" | "c", None) => Command::Clients,
        ("keys" | "k", None) => Command::Keys,
        ("expiring" | "x", None) => Command::Expiring,
        ("journal" | "j", None) => Command::Journal,
        ("doctor", None) => Command::Doctor,
        ("requests" | "r", None) => Command::Requests,
        ("help" | "h", None) => Command::Help,
        ("quit" | "q", None) => Command::Quit,
        ("org" | "o", Some(n)) => Command::Org(n.parse().map_err(|e| format!(":org: {e}"))?),
        ("org" | "o", None) => return Err(":org needs an org number, e.g. :org 991825827".into()),
        ("profile" | "p", Some(p)) => Command::Profile(p.to_owned()),
        ("profile" | "p", None) => return Err(":profile needs a profile name".into()),
        ("plan", Some(f)) => Command::Plan(f.into()),
        ("export", Some(f)) => Command::Export(f.into()),
        ("plan" | "export", None) => {
            return Err(format!(":{word} needs a file, e.g. :{word} estate.toml"));
        }
        (w, _) => {
            let known: Vec<&str> = COMMANDS.iter().map(|c| c.0).collect();
            return Err(format!("unknown command :{w}; known: {}", known.join(" ")));
        }
    };
    if words.next().is_some() {
        return Err(format!(":{word}: too many words"));
    }
    Ok(cmd)
}

/// Candidates for what has been typed so far: command words, then profile names.
pub fn complete(line: &str, profiles: &[String]) -> Vec<String> {
    match line.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(w, _, _)| w.starts_with(line))
            .map(|(w, arg, _)| {
                if *arg {
                    format!("{w} ")
                } else {
                    (*w).to_owned()
                }
            })
            .collect(),
        Some(("profile", rest)) => profiles
            .iter()
            .filter(|p| p.starts_with(rest.trim_start()))
            .map(|p| format!("profile {p}"))
            .collect(),
        Some(_) => Vec::new(),
    }
}

/// The longest common prefix of the candidates (what Tab fills in).
pub fn common_prefix(cands: &[String]) -> Option<String> {
    let first = cands.first()?;
    let mut len = first.len();
    for c in &cands[1..] {
        len = first
            .char_indices()
            .zip(c.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    Some(first[..len].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("scopes"), Ok(Command::Scopes));
        assert_eq!(parse("expiring"), Ok(Command::Expiring));
        assert_eq!(parse("doctor"), Ok(Command::Doctor));
        assert_eq!(
            parse("org 991825827"),
            Ok(Command::Org("991825827".parse().unwrap()))
        );
        assert!(parse("org 991825828").unwrap_err().contains("MOD11"));
        assert_eq!(parse("profile prod"), Ok(Command::Profile("prod".into())));
        assert!(parse("fly").unwrap_err().contains("unknown command"));
    }

    #[test]
    fn completes_words_and_profiles() {
        assert_eq!(complete("cl", &[]), vec!["clients"]);
        assert_eq!(complete("pr", &[]), vec!["profile "]);
        let profiles = vec!["prod".to_owned(), "test".to_owned()];
        assert_eq!(complete("profile p", &profiles), vec!["profile prod"]);
        assert_eq!(
            common_prefix(&["profile".into(), "public".into()]),
            Some("p".into())
        );
    }
}
