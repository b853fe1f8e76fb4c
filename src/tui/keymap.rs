//! The one key table: action name -> keys. Dispatch, the footer and the `?` overlay all read it,
//! so what the screen says a key does is what it does. Users remap by action name in
//! `config.toml` beside the profiles file:
//!
//! ```toml
//! [keys]
//! grant = ["+", "g"]
//! quit = ["q", "ctrl-q"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::panes::PaneId;

/// What a key asks for. Pane-specific commands only fire in their pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Pane(PaneId),
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Filter,
    Sort,
    Refresh,
    CommandLine,
    Back,
    Open,
    Copy,
    ToggleInactive,
    ToggleTab,
    ToggleOverview,
    NewScope,
    EditScope,
    Deactivate,
    Reactivate,
    Grant,
    Revoke,
    Reapprove,
    /// Mark the selected row (approve and deny then act on every marked request).
    Mark,
    NewClient,
    EditClient,
    DeleteClient,
    AddKey,
    DeleteKey,
    GenerateKey,
    RotateKey,
    TokenTest,
    Undo,
    ApplyPlan,
    OnBehalfOf,
    AddOnBehalfOf,
    EditOnBehalfOf,
    RemoveOnBehalfOf,
}

impl Cmd {
    /// The admin scopes any one of which this command's change needs (`None`: it changes
    /// nothing, or what it needs is decided elsewhere).
    pub fn needs(self) -> Option<&'static [&'static str]> {
        use crate::wire::admin::{DCR_MODIFY, DCR_WRITE, ONBEHALFOF_WRITE, SCOPES_WRITE};
        match self {
            Cmd::NewScope
            | Cmd::EditScope
            | Cmd::Deactivate
            | Cmd::Reactivate
            | Cmd::Grant
            | Cmd::Reapprove
            | Cmd::Revoke => Some(SCOPES_WRITE),
            Cmd::NewClient | Cmd::DeleteClient => Some(DCR_WRITE),
            Cmd::EditClient | Cmd::AddKey | Cmd::GenerateKey | Cmd::RotateKey | Cmd::DeleteKey => {
                Some(DCR_MODIFY)
            }
            Cmd::AddOnBehalfOf | Cmd::EditOnBehalfOf | Cmd::RemoveOnBehalfOf => {
                Some(ONBEHALFOF_WRITE)
            }
            _ => None,
        }
    }
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Pane(PaneId),
}

/// One row of the default table.
struct Def {
    cmd: Cmd,
    name: &'static str,
    help: &'static str,
    context: Context,
    keys: &'static [&'static str],
    /// Footer label when shown in the footer (the most useful keys of a pane).
    footer: Option<&'static str>,
    /// Changes something on the server: refused in read-only mode.
    mutating: bool,
}

const fn def(
    cmd: Cmd,
    name: &'static str,
    context: Context,
    keys: &'static [&'static str],
    help: &'static str,
) -> Def {
    Def {
        cmd,
        name,
        help,
        context,
        keys,
        footer: None,
        mutating: false,
    }
}

/// Shown in the footer under a short label.
const fn foot(mut d: Def, short: &'static str) -> Def {
    d.footer = Some(short);
    d
}

const fn mutating(mut d: Def) -> Def {
    d.mutating = true;
    d
}

use Context::Global;
const SCOPES: Context = Context::Pane(PaneId::Scopes);
const ACCESS: Context = Context::Pane(PaneId::Access);
const CLIENTS: Context = Context::Pane(PaneId::Clients);
const KEYS: Context = Context::Pane(PaneId::Keys);
const ONBEHALFOF: Context = Context::Pane(PaneId::OnBehalfOf);

/// Pane-specific rows come first: in the access pane `g` grants, elsewhere it jumps to the top.
const DEFAULTS: &[Def] = &[
    foot(
        mutating(def(Cmd::NewScope, "new_scope", SCOPES, &["n"], "new scope")),
        "new",
    ),
    foot(
        mutating(def(
            Cmd::EditScope,
            "edit_scope",
            SCOPES,
            &["e"],
            "edit scope",
        )),
        "edit",
    ),
    foot(
        mutating(def(
            Cmd::Deactivate,
            "deactivate",
            SCOPES,
            &["d"],
            "deactivate",
        )),
        "deactivate",
    ),
    mutating(def(
        Cmd::Reactivate,
        "reactivate",
        SCOPES,
        &["a"],
        "reactivate an inactive scope",
    )),
    def(
        Cmd::ToggleInactive,
        "toggle_inactive",
        SCOPES,
        &["i"],
        "show/hide inactive scopes",
    ),
    foot(
        def(
            Cmd::ToggleTab,
            "toggle_public",
            SCOPES,
            &["t"],
            "own / public scopes of all orgs",
        ),
        "own/public",
    ),
    foot(
        mutating(def(
            Cmd::Grant,
            "grant",
            ACCESS,
            &["g", "+"],
            "grant org numbers",
        )),
        "grant",
    ),
    // On a REQUESTED row (or the marked ones) revoke denies and re-approve approves the
    // request: one key each, whatever the row's state, as the web portal's buttons.
    foot(
        mutating(def(
            Cmd::Revoke,
            "revoke",
            ACCESS,
            &["x", "d"],
            "revoke; deny a request (every marked one)",
        )),
        "revoke/deny",
    ),
    foot(
        mutating(def(
            Cmd::Reapprove,
            "reapprove",
            ACCESS,
            &["a"],
            "approve a request (every marked one); re-approve a DENIED row",
        )),
        "approve",
    ),
    foot(
        def(
            Cmd::Mark,
            "mark",
            ACCESS,
            &["space"],
            "mark a request (approve and deny act on every marked one)",
        ),
        "mark",
    ),
    foot(
        def(
            Cmd::Open,
            "org_view",
            ACCESS,
            &["enter", "o"],
            "everything this org has from us",
        ),
        "org view",
    ),
    foot(
        mutating(def(
            Cmd::NewClient,
            "new_client",
            CLIENTS,
            &["n"],
            "new client",
        )),
        "new",
    ),
    foot(
        mutating(def(
            Cmd::EditClient,
            "edit_client",
            CLIENTS,
            &["e"],
            "edit client",
        )),
        "edit",
    ),
    foot(
        mutating(def(
            Cmd::DeleteClient,
            "delete_client",
            CLIENTS,
            &["d"],
            "delete client",
        )),
        "delete",
    ),
    foot(
        def(
            Cmd::Pane(PaneId::Keys),
            "client_keys",
            CLIENTS,
            &["K"],
            "keys of client",
        ),
        "keys",
    ),
    // The same action name in two panes: one remap moves both.
    mutating(def(
        Cmd::RotateKey,
        "rotate_key",
        CLIENTS,
        &["R"],
        "rotate the client's soonest-expiring key (generate, upload, prove, then ask)",
    )),
    def(
        Cmd::TokenTest,
        "token_test",
        CLIENTS,
        &["t"],
        "token doctor: get a token as this client with a key file",
    ),
    foot(
        def(
            Cmd::OnBehalfOf,
            "onbehalfof",
            CLIENTS,
            &["b"],
            "on-behalf-of registrations (idporten, api_klient and krr clients)",
        ),
        "on behalf of",
    ),
    foot(
        mutating(def(
            Cmd::AddOnBehalfOf,
            "add_onbehalfof",
            ONBEHALFOF,
            &["n", "a"],
            "add an on-behalf-of registration",
        )),
        "new",
    ),
    foot(
        mutating(def(
            Cmd::EditOnBehalfOf,
            "edit_onbehalfof",
            ONBEHALFOF,
            &["e"],
            "edit the registration",
        )),
        "edit",
    ),
    foot(
        mutating(def(
            Cmd::RemoveOnBehalfOf,
            "remove_onbehalfof",
            ONBEHALFOF,
            &["d", "x"],
            "remove the registration",
        )),
        "remove",
    ),
    foot(
        def(
            Cmd::Back,
            "back",
            ONBEHALFOF,
            &["esc"],
            "back to the clients",
        ),
        "clients",
    ),
    def(
        Cmd::ToggleOverview,
        "expiry_overview",
        CLIENTS,
        &["o"],
        "all clients' keys, soonest expiry first (also :expiring)",
    ),
    foot(
        mutating(def(
            Cmd::GenerateKey,
            "generate_key",
            KEYS,
            &["n"],
            "generate a key pair; upload the public key beside the others",
        )),
        "new",
    ),
    foot(
        mutating(def(
            Cmd::RotateKey,
            "rotate_key",
            KEYS,
            &["R"],
            "rotate the selected key (generate, upload, prove, then ask)",
        )),
        "rotate",
    ),
    foot(
        def(
            Cmd::TokenTest,
            "token_test",
            KEYS,
            &["t"],
            "token doctor: get a token as this client with a key file",
        ),
        "token",
    ),
    // The keys pane's footer holds six keys: adding and deleting a key are what people look
    // for there, beside generating, rotating, testing and the overview.
    foot(
        def(
            Cmd::ToggleOverview,
            "expiry_overview",
            KEYS,
            &["o"],
            "all clients' keys, soonest expiry first (again: one client)",
        ),
        "by expiry",
    ),
    foot(
        mutating(def(
            Cmd::AddKey,
            "add_key",
            KEYS,
            &["a"],
            "add public key from file",
        )),
        "add",
    ),
    foot(
        mutating(def(
            Cmd::DeleteKey,
            "delete_key",
            KEYS,
            &["d"],
            "delete key",
        )),
        "delete",
    ),
    def(Cmd::Open, "open", Global, &["enter"], "details"),
    foot(def(Cmd::Help, "help", Global, &["?"], "help"), "help"),
    foot(def(Cmd::Quit, "quit", Global, &["q"], "quit"), "quit"),
    def(Cmd::NextPane, "next_pane", Global, &["tab"], "next pane"),
    def(
        Cmd::PrevPane,
        "prev_pane",
        Global,
        &["backtab"],
        "previous pane",
    ),
    def(
        Cmd::Pane(PaneId::Scopes),
        "scopes_pane",
        Global,
        &["1"],
        "scopes pane",
    ),
    def(
        Cmd::Pane(PaneId::Access),
        "access_pane",
        Global,
        &["2"],
        "access pane",
    ),
    def(
        Cmd::Pane(PaneId::Clients),
        "clients_pane",
        Global,
        &["3"],
        "clients pane",
    ),
    def(
        Cmd::Pane(PaneId::Keys),
        "keys_pane",
        Global,
        &["4"],
        "keys pane",
    ),
    def(Cmd::Up, "up", Global, &["up", "k"], "up"),
    def(Cmd::Down, "down", Global, &["down", "j"], "down"),
    def(Cmd::Top, "top", Global, &["g", "home"], "first row"),
    def(Cmd::Bottom, "bottom", Global, &["G", "end"], "last row"),
    def(Cmd::PageUp, "page_up", Global, &["pgup"], "page up"),
    def(Cmd::PageDown, "page_down", Global, &["pgdn"], "page down"),
    def(
        Cmd::Filter,
        "filter",
        Global,
        &["/"],
        "filter as you type (Esc clears)",
    ),
    def(Cmd::Sort, "sort", Global, &["s"], "cycle sort column"),
    def(
        Cmd::Refresh,
        "refresh",
        Global,
        &["r"],
        "re-read from server",
    ),
    def(
        Cmd::CommandLine,
        "command",
        Global,
        &[":"],
        "command line (:scopes :clients :org N :profile P)",
    ),
    def(Cmd::Copy, "copy", Global, &["y"], "copy name/id (OSC 52)"),
    // Not `mutating` itself: the apply it leads to passes `admit` like every change.
    def(
        Cmd::ApplyPlan,
        "apply_plan",
        Global,
        &["A"],
        "in a plan (:plan FILE): apply it",
    ),
    // Not `mutating` itself: the undo it leads to passes `admit` like every change.
    def(
        Cmd::Undo,
        "undo",
        Global,
        &["u"],
        "in the journal (:journal): undo the top change",
    ),
    def(Cmd::Back, "back", Global, &["esc"], "back / close"),
];

/// A key as written in the table and in `config.toml`: `q`, `G`, `?`, `ctrl-r`, `enter`,
/// `esc`, `tab`, `backtab`, `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`,
/// `space`, `delete`, `f1`..`f12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    code: KeyCode,
    ctrl: bool,
    alt: bool,
}

impl KeySpec {
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "delete" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            f if f.starts_with('f') && f.len() > 1 && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "'{s}' is not a key: write a single character, or ctrl-x, enter, esc, tab, backtab, up, down, pgup, pgdn, home, end, space, f1"
                ));
            }
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    pub fn matches(&self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        // Shift is part of the character ('G'), so it is not compared for chars.
        let code = match (key.code, self.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (KeyCode::Tab, KeyCode::BackTab) => key.modifiers.contains(KeyModifiers::SHIFT),
            (a, b) => a == b,
        };
        code && ctrl == self.ctrl && alt == self.alt
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding in effect (defaults with the user's overrides applied).
pub struct Binding {
    pub cmd: Cmd,
    pub name: &'static str,
    pub help: &'static str,
    pub context: Context,
    pub keys: Vec<KeySpec>,
    pub footer: Option<&'static str>,
    pub mutating: bool,
}

impl Binding {
    fn applies(&self, pane: PaneId) -> bool {
        match self.context {
            Context::Global => true,
            Context::Pane(p) => p == pane,
        }
    }
}

pub struct Keymap {
    bindings: Vec<Binding>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|d| Binding {
                    cmd: d.cmd,
                    name: d.name,
                    help: d.help,
                    context: d.context,
                    // The defaults are literals checked by a test.
                    keys: d
                        .keys
                        .iter()
                        .filter_map(|k| KeySpec::parse(k).ok())
                        .collect(),
                    footer: d.footer,
                    mutating: d.mutating,
                })
                .collect(),
        }
    }
}

impl Keymap {
    /// The defaults with the `[keys]` table of a `config.toml` applied. An unknown action name
    /// or key is an error naming it.
    pub fn from_config(text: &str) -> Result<Keymap, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut map = Keymap::default();
        for (name, keys) in file.keys {
            let specs = keys
                .iter()
                .map(|k| KeySpec::parse(k).map_err(|e| format!("[keys] {name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let mut found = false;
            for b in map.bindings.iter_mut().filter(|b| b.name == name) {
                b.keys = specs.clone();
                found = true;
            }
            if !found {
                let names: Vec<&str> = map.bindings.iter().map(|b| b.name).collect();
                return Err(format!(
                    "[keys] {name}: no such action; known actions: {}",
                    names.join(", ")
                ));
            }
        }
        Ok(map)
    }

    /// The command a key means in `pane`: pane bindings win over global ones.
    pub fn lookup(&self, pane: PaneId, key: &KeyEvent) -> Option<&Binding> {
        let hit = |b: &&Binding| b.applies(pane) && b.keys.iter().any(|k| k.matches(key));
        self.bindings
            .iter()
            .filter(|b| b.context != Context::Global)
            .find(hit)
            .or_else(|| {
                self.bindings
                    .iter()
                    .filter(|b| b.context == Context::Global)
                    .find(hit)
            })
    }

    /// The key that reaches `cmd` in `pane`, as hints write it ("n", "ctrl-q"), so a text
    /// that names a key names the one the user bound; "(unbound)" when none does.
    pub fn key(&self, pane: PaneId, cmd: Cmd) -> String {
        let bound = |global: bool| {
            self.for_pane(pane)
                .filter(|b| b.cmd == cmd && (b.context == Context::Global) == global)
                .find_map(|b| b.keys.first())
        };
        bound(false)
            .or_else(|| bound(true))
            .map_or_else(|| "(unbound)".to_owned(), ToString::to_string)
    }

    /// Every binding that applies in `pane`, pane ones first.
    pub fn for_pane(&self, pane: PaneId) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.applies(pane))
    }

    /// For the help overlay: each binding of `pane` with the keys that really reach it (a
    /// global key the pane takes for itself is left out; a binding left with none is skipped).
    pub fn help(&self, pane: PaneId) -> Vec<(String, &Binding)> {
        self.for_pane(pane)
            .filter_map(|b| {
                let keys: Vec<String> = b
                    .keys
                    .iter()
                    .filter(|k| {
                        b.context != Context::Global
                            || !self
                                .for_pane(pane)
                                .any(|o| o.context != Context::Global && o.keys.contains(k))
                    })
                    .map(ToString::to_string)
                    .collect();
                (!keys.is_empty()).then(|| (keys.join("/"), b))
            })
            .collect()
    }

    /// The footer of a pane: up to six of its own keys (the pane marks which), then help
    /// and quit.
    pub fn footer(&self, pane: PaneId) -> Vec<&Binding> {
        let shown = |b: &&Binding| b.footer.is_some() && !b.keys.is_empty();
        let own = self
            .for_pane(pane)
            .filter(|b| b.context != Context::Global)
            .filter(shown)
            .take(6);
        let global = self
            .for_pane(pane)
            .filter(|b| b.context == Context::Global)
            .filter(shown);
        own.chain(global).collect()
    }

    /// Commands that change something on the server (for the read-only tests).
    #[cfg(test)]
    pub fn mutating(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(|b| b.mutating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn every_default_key_parses() {
        for d in DEFAULTS {
            for k in d.keys {
                assert!(KeySpec::parse(k).is_ok(), "{} {k}", d.name);
            }
        }
    }

    #[test]
    fn names_are_unique_per_pane_and_mean_one_command() {
        for (i, a) in DEFAULTS.iter().enumerate() {
            for b in &DEFAULTS[i + 1..] {
                if a.name == b.name {
                    assert!(a.context != b.context, "{} twice in one pane", a.name);
                    assert_eq!(a.cmd, b.cmd, "{} means two commands", a.name);
                }
            }
        }
    }

    #[test]
    fn one_remap_moves_an_action_in_every_pane() {
        let map = Keymap::from_config("[keys]\nrotate_key = [\"ctrl-r\"]\n").unwrap();
        let cr = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        for pane in [PaneId::Clients, PaneId::Keys] {
            assert_eq!(map.lookup(pane, &cr).map(|b| b.cmd), Some(Cmd::RotateKey));
            let r = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
            assert!(map.lookup(pane, &r).is_none(), "{pane:?}");
        }
    }

    #[test]
    fn pane_binding_wins_over_global() {
        let map = Keymap::default();
        assert_eq!(
            map.lookup(PaneId::Access, &key('g')).map(|b| b.cmd),
            Some(Cmd::Grant)
        );
        assert_eq!(
            map.lookup(PaneId::Scopes, &key('g')).map(|b| b.cmd),
            Some(Cmd::Top)
        );
        assert_eq!(
            map.lookup(PaneId::Keys, &key('d')).map(|b| b.cmd),
            Some(Cmd::DeleteKey)
        );
    }

    #[test]
    fn shift_letters_and_backtab_match() {
        let map = Keymap::default();
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            map.lookup(PaneId::Scopes, &g).map(|b| b.cmd),
            Some(Cmd::Bottom)
        );
        let bt = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            map.lookup(PaneId::Scopes, &bt).map(|b| b.cmd),
            Some(Cmd::PrevPane)
        );
    }

    #[test]
    fn config_remaps_by_name() {
        let map = Keymap::from_config("[keys]\nquit = [\"ctrl-q\"]\ngrant = [\"+\"]\n").unwrap();
        assert!(map.lookup(PaneId::Scopes, &key('q')).is_none());
        let cq = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(
            map.lookup(PaneId::Scopes, &cq).map(|b| b.cmd),
            Some(Cmd::Quit)
        );
        // `g` is free again in the access pane, so it falls through to "top".
        assert_eq!(
            map.lookup(PaneId::Access, &key('g')).map(|b| b.cmd),
            Some(Cmd::Top)
        );
    }

    #[test]
    fn config_errors_name_the_action_or_key() {
        let e = Keymap::from_config("[keys]\nfly = [\"f\"]\n")
            .err()
            .unwrap();
        assert!(e.contains("fly") && e.contains("known actions"), "{e}");
        let e = Keymap::from_config("[keys]\nquit = [\"hyper-q\"]\n")
            .err()
            .unwrap();
        assert!(e.contains("quit") && e.contains("hyper-q"), "{e}");
    }

    #[test]
    fn footer_has_four_to_eight_keys_per_pane_and_keys_offers_add_and_delete() {
        let map = Keymap::default();
        for pane in PaneId::ALL.into_iter().chain([PaneId::OnBehalfOf]) {
            let n = map.footer(pane).len();
            assert!((4..=8).contains(&n), "{pane:?}: {n}");
        }
        let keys: Vec<Cmd> = map.footer(PaneId::Keys).iter().map(|b| b.cmd).collect();
        assert!(
            keys.contains(&Cmd::AddKey) && keys.contains(&Cmd::DeleteKey),
            "{keys:?}"
        );
    }
}
