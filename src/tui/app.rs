//! The whole UI state and `update`, the one place it changes. `update` is pure: no I/O, no
//! clock (time arrives in `Action::Tick`), no terminal; what it wants done comes back as
//! `Effect`s, and every change on the server passes `admit`, the single read-only guard.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::action::Action;
use super::effect::{Area, Effect, Load, LoadKind, Loaded, Mutation, TokenInfo};
use super::keymap::{Cmd, Keymap};
use super::panes::{self, PaneId, short_time};
use super::plan_view::PlanView;
use super::theme::Theme;
use super::widgets::cmdline::{self, Command};
use super::widgets::confirm::{Confirm, ConfirmOutcome};
use super::widgets::form::{Form, FormOutcome};
use super::widgets::help::Overlay;
use super::widgets::status::{Level, TOAST_TIME, Toast};
use super::widgets::table::{CHROME, FilterTable};
use crate::api::models::{Client, Jwks, Scope, ScopeAccess, ScopePrefix};
use crate::api::types::{ClientId, OrgNumber, ScopeName};
use crate::changes::{self, Change};
use crate::config::Environment;

/// What the app knows about the profile it runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub profile: String,
    pub environment: Option<Environment>,
    pub read_only: bool,
    /// Talks to a loopback address (the emulator), not a Digdir environment.
    pub local: bool,
    /// Other profiles in the profiles file, for `:profile` completion.
    pub profiles: Vec<String>,
    /// When the admin's business certificate expires (the header warns under 60 days).
    pub certificate_expires: Option<SystemTime>,
}

impl Session {
    pub fn is_prod(&self) -> bool {
        self.environment == Some(Environment::Prod)
    }

    pub fn env_label(&self) -> &'static str {
        match self.environment {
            Some(e) => e.label(),
            None if self.local => "LOCAL",
            None => "CUSTOM",
        }
    }
}

/// Everything read from the server. Kept when a refresh fails, so the screen never goes blank.
#[derive(Debug, Default)]
pub struct Data {
    pub token: Option<TokenInfo>,
    pub prefixes: Vec<ScopePrefix>,
    pub own_scopes: Vec<Scope>,
    pub public_scopes: Vec<Scope>,
    /// Own scope name -> how many APPROVED grants it has.
    pub grant_counts: HashMap<String, usize>,
    /// Own scope name -> its REQUESTED rows (read with the counts).
    pub requests: HashMap<String, Vec<ScopeAccess>>,
    /// Organisation names by number: the server's own on access rows, else looked up.
    pub names: crate::names::Names,
    /// Numbers looked up already, answered or not (a failed lookup is not retried until `r`).
    pub names_asked: HashSet<String>,
    /// Numbers whose lookup is on its way.
    pub names_pending: HashSet<String>,
    /// Every grant of one scope: the one the access pane (or a scope's detail) shows.
    pub grants: Option<(String, Vec<ScopeAccess>)>,
    pub consumer: Option<(OrgNumber, Vec<ScopeAccess>)>,
    pub granted_to_us: Vec<ScopeAccess>,
    pub clients: Vec<Client>,
    /// Client id -> its keys.
    pub jwks: HashMap<String, Jwks>,
    /// The on-behalf-of registrations of one client: the one the on-behalf-of pane shows.
    pub onbehalfof: Option<(String, Vec<crate::api::models::ClientOnBehalfOf>)>,
    /// Which loads have succeeded at least once (an empty table then means "none").
    pub loaded: HashSet<LoadKind>,
    /// Loads whose latest answer was an error, with the (first) error. Cleared when the load
    /// is sent again, so an error never stands for an answer still on its way.
    pub failed: HashMap<LoadKind, String>,
}

impl Data {
    /// Every request waiting for an answer, oldest first.
    pub fn all_requests(&self) -> Vec<&ScopeAccess> {
        let mut all: Vec<&ScopeAccess> = self.requests.values().flatten().collect();
        all.sort_by_cached_key(|r| {
            (
                r.created
                    .as_deref()
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok()),
                r.scope.clone(),
                r.consumer_orgno.clone(),
            )
        });
        all
    }

    /// The known name of `orgnr`, if any.
    pub fn name_of(&self, orgnr: &str) -> Option<&str> {
        crate::names::known(&self.names, orgnr)
    }

    /// Why a table has nothing to show yet: the error of a load in `from` that failed, else
    /// that they are still on their way.
    pub fn unread(&self, from: &[LoadKind]) -> Cow<'static, str> {
        match from.iter().find_map(|k| self.failed.get(k)) {
            Some(e) => format!("could not read this (r tries again): {e}").into(),
            None => "loading…".into(),
        }
    }

    /// What a table without rows says: `empty` only when every load in `from` has succeeded
    /// and none failed since; "no scopes yet" beside a failed load would be a wrong answer.
    pub fn no_rows(
        &self,
        from: &[LoadKind],
        empty: impl Into<Cow<'static, str>>,
    ) -> Cow<'static, str> {
        let failed = from.iter().any(|k| self.failed.contains_key(k));
        if !failed && from.iter().all(|k| self.loaded.contains(k)) {
            empty.into()
        } else {
            self.unread(from)
        }
    }
}

/// What a form is for; decides what its submit sends.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    NewScope,
    EditScope(ScopeName),
    Grant(ScopeName),
    NewClient,
    EditClient(ClientId),
    AddOnBehalfOf(ClientId),
    /// The client and the registration's `onbehalfof`.
    EditOnBehalfOf(ClientId, String),
    AddKey(ClientId),
    GenerateKey(ClientId),
    /// A new key that replaces `old` once a real token proves it.
    RotateKey {
        client: ClientId,
        old: String,
    },
    TokenTest(ClientId),
}

#[derive(Debug, Clone)]
pub enum Modal {
    Help(Overlay),
    Detail(Overlay),
    Confirm(Box<Confirm>),
    Form(Box<Form>, FormPurpose),
    /// A plan of an estate file: `A` applies it, Enter shows each change's fields.
    Plan(Box<PlanView>),
    /// The journal, newest first; the line at the top of the view is the one `u` undoes.
    Journal {
        overlay: Overlay,
        entries: Vec<crate::journal::Entry>,
    },
    Command {
        input: Input,
        hints: Vec<String>,
    },
    /// An overlay with a command to run later; `y` copies it.
    Copyable {
        overlay: Overlay,
        text: String,
    },
}

/// The server is out of reach: when the next retry of the loads is due.
#[derive(Debug, Clone, PartialEq)]
pub struct Offline {
    pub retry_at: SystemTime,
    /// Retry rounds that failed so far.
    pub attempt: u32,
    /// A retry round is on its way.
    probing: bool,
}

impl Offline {
    /// The first retry; each failed round doubles the wait.
    const FIRST_RETRY: Duration = Duration::from_secs(2);
    const MAX_RETRY: Duration = Duration::from_secs(60);

    fn new(now: SystemTime) -> Offline {
        Offline {
            retry_at: now + Offline::backoff(0),
            attempt: 0,
            probing: false,
        }
    }

    fn backoff(attempt: u32) -> Duration {
        Offline::FIRST_RETRY
            .saturating_mul(1 << attempt.min(16))
            .min(Offline::MAX_RETRY)
    }
}

/// The lists the panes show, each read with one request.
const LIST_KINDS: [LoadKind; 5] = [
    LoadKind::OwnScopes,
    LoadKind::Prefixes,
    LoadKind::PublicScopes,
    LoadKind::GrantedToUs,
    LoadKind::Clients,
];

/// The load of a whole list (`None` for loads that take an argument).
fn list_load(kind: LoadKind) -> Option<Load> {
    Some(match kind {
        LoadKind::OwnScopes => Load::OwnScopes,
        LoadKind::Prefixes => Load::Prefixes,
        LoadKind::PublicScopes => Load::PublicScopes,
        LoadKind::GrantedToUs => Load::GrantedToUs,
        LoadKind::Clients => Load::Clients,
        _ => return None,
    })
}

pub struct App {
    pub session: Session,
    pub keymap: Keymap,
    pub theme: Theme,
    pub now: SystemTime,
    pub size: (u16, u16),
    pub pane: PaneId,
    pub data: Data,
    pub scopes: panes::scopes::ScopesPane,
    pub access: panes::access::AccessPane,
    pub clients: panes::clients::ClientsPane,
    pub keys: panes::keys::KeysPane,
    pub onbehalfof: panes::onbehalfof::OnBehalfOfPane,
    pub modal: Option<Modal>,
    pub toast: Option<Toast>,
    /// Requests sent and not yet answered; the spinner turns while this is above zero.
    pub pending: usize,
    pub spin: usize,
    generations: HashMap<LoadKind, u64>,
    /// Lists not read yet: each is read the first time a view that shows it is on screen.
    unread: HashSet<LoadKind>,
    /// A token refresh is on its way (so the tick asks only once).
    token_asked: bool,
    /// The scope whose grants were asked for last, answered or on the way (so opening the
    /// pane again, or a list arriving meanwhile, asks only once); cleared when that failed.
    grants_asked: Option<String>,
    /// A row to select when its list has been read again (what was just created).
    select_after: Option<(Area, String)>,
    /// Set while the server is out of reach; loads are then retried by the clock.
    pub offline: Option<Offline>,
    /// The user just typed the PROD confirmation for the change `admit` is about to see.
    prod_confirmed: bool,
    pub quit: bool,
    /// Set by `update` when the screen must be drawn again.
    pub dirty: bool,
    /// Organisation names are looked up (`--no-names` and the profile's `names = false` turn
    /// this off; the loop sets it from its host).
    pub names_on: bool,
}

impl App {
    pub fn new(session: Session, keymap: Keymap, now: SystemTime) -> App {
        App {
            session,
            keymap,
            theme: Theme::default(),
            now,
            size: (80, 24),
            pane: PaneId::Scopes,
            data: Data::default(),
            scopes: panes::scopes::ScopesPane::default(),
            access: panes::access::AccessPane::default(),
            clients: panes::clients::ClientsPane::default(),
            keys: panes::keys::KeysPane::default(),
            onbehalfof: panes::onbehalfof::OnBehalfOfPane::default(),
            modal: None,
            toast: None,
            pending: 0,
            spin: 0,
            generations: HashMap::new(),
            unread: HashSet::new(),
            token_asked: false,
            grants_asked: None,
            prod_confirmed: false,
            offline: None,
            select_after: None,
            quit: false,
            dirty: true,
            names_on: true,
        }
    }

    /// Forget everything of the old profile (after `:profile`); keys, theme and size stay.
    pub fn reset(&mut self, session: Session) {
        let keymap = std::mem::take(&mut self.keymap);
        let mut fresh = App::new(session, keymap, self.now);
        fresh.theme = self.theme.clone();
        fresh.size = self.size;
        fresh.names_on = self.names_on;
        fresh.ok(format!("profile {}", fresh.session.profile));
        *self = fresh;
    }

    /// Body lines of the pane's table at the current terminal size.
    pub fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(4 + CHROME)).max(1)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = self.update_inner(action);
        let lists = self.read_on_screen();
        effects.extend(self.admit(lists));
        effects.extend(self.side_panel_loads());
        let registrations = panes::onbehalfof::follow_selection(self);
        effects.extend(self.admit(registrations.into_iter().collect()));
        let lookups = panes::access::typed_org_names(self);
        effects.extend(self.admit(lookups));
        effects
    }

    /// On a screen wide enough for the side panel, the selected own scope's grants are read
    /// as the selection moves (once per scope), through the same load as the access pane's.
    fn side_panel_loads(&mut self) -> Option<Effect> {
        let wide = self.size.0 >= super::view::SIDE_PANEL_FROM;
        if !wide || self.pane != PaneId::Scopes || self.scopes.public || self.modal.is_some() {
            return None;
        }
        let name = self.scopes.selected_own()?.to_owned();
        if self.data.grants.as_ref().is_some_and(|(n, _)| *n == name) {
            return None;
        }
        self.grants_of_scope(name, false)
    }

    fn update_inner(&mut self, action: Action) -> Vec<Effect> {
        let effects = match action {
            Action::Start => self.load_all(),
            Action::Key(key) => self.on_key(key),
            Action::Mouse(m) => self.on_mouse(m),
            Action::Paste(text) => {
                self.on_paste(&text);
                Vec::new()
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            Action::Journal(entries) => {
                self.pending = self.pending.saturating_sub(1);
                self.show_journal(entries);
                Vec::new()
            }
            Action::Planned(file, plan) => {
                self.pending = self.pending.saturating_sub(1);
                match plan {
                    Ok(plan) => {
                        let view = PlanView::new(file, plan, &self.keymap, self.pane);
                        self.modal = Some(Modal::Plan(Box::new(view)));
                    }
                    Err(e) => self.error(e),
                }
                Vec::new()
            }
            Action::PlanStep(change, result) => {
                if let Some(Modal::Plan(view)) = &mut self.modal {
                    view.step(change, result);
                }
                Vec::new()
            }
            Action::Exported(result) => {
                self.pending = self.pending.saturating_sub(1);
                match result {
                    Ok(msg) => self.ok(msg),
                    Err(e) => self.error(e),
                }
                Vec::new()
            }
            Action::Rotated(outcome) => {
                self.pending = self.pending.saturating_sub(1);
                panes::keys::rotated(self, outcome);
                self.reload(Area::Keys)
            }
            Action::Doctor(report) => {
                self.pending = self.pending.saturating_sub(1);
                let overlay = super::widgets::doctor::overlay(&report);
                self.modal = Some(Modal::Detail(overlay));
                Vec::new()
            }
            Action::Names { asked, found } => {
                self.pending = self.pending.saturating_sub(1);
                self.names_arrived(asked, found);
                Vec::new()
            }
            Action::TokenTested(answer) => {
                self.pending = self.pending.saturating_sub(1);
                panes::keys::doctored(self, answer);
                Vec::new()
            }
            Action::Tick(now) => {
                let effects = self.on_tick(now);
                return self.admit(effects);
            }
            Action::Reach(reached) => {
                // The usual case (online and answered) changes nothing on screen.
                if reached && self.offline.is_none() {
                    return Vec::new();
                }
                self.on_reach(reached);
                Vec::new()
            }
            Action::Loaded { generation, data } => {
                self.pending = self.pending.saturating_sub(1);
                self.on_loaded(generation, data)
            }
            Action::Mutated {
                area,
                result,
                select,
            } => {
                self.pending = self.pending.saturating_sub(1);
                self.select_after = select.map(|key| (area.clone(), key));
                self.on_mutated(area, result)
            }
        };
        self.dirty = true;
        self.admit(effects)
    }

    /// The one gate every effect leaves through: in read-only mode no change reaches the
    /// server, whatever asked for it, nor in supplier mode a change to another supplier's
    /// client; every request is counted for the spinner.
    fn admit(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut out = Vec::with_capacity(effects.len());
        for e in effects {
            let refused = match &e {
                Effect::Mutate(m) if self.session.read_only => {
                    Some(format!("read-only: refused to {}", m.describe()))
                }
                Effect::Mutate(m) => super::supplier::refusal(self, m),
                _ => None,
            };
            if let Some(msg) = refused {
                if let Some(Modal::Form(form, _)) = &mut self.modal {
                    form.submitting = false;
                    form.error = Some(msg.clone());
                }
                self.error(msg);
                continue;
            }
            if let Effect::Mutate(m) = e {
                if self.session.is_prod() && !std::mem::take(&mut self.prod_confirmed) {
                    self.prod_guard(m);
                    continue;
                }
                self.pending += 1;
                out.push(Effect::Mutate(m));
                continue;
            }
            if e.is_request() {
                self.pending += 1;
            }
            out.push(e);
        }
        out
    }

    /// On PROD every change waits for its object's name to be typed, whatever asked for it.
    /// A form that asked stays underneath and comes back, as typed, when the dialog closes.
    fn prod_guard(&mut self, m: Mutation) {
        let word = self.subject_name(&m);
        let back = match self.modal.take() {
            Some(Modal::Form(mut form, purpose)) => {
                form.submitting = false;
                Some((form, purpose))
            }
            _ => None,
        };
        let mut c = Confirm::new(
            "PRODUCTION change",
            vec![
                format!("You are about to {} in PRODUCTION.", m.describe()),
                "This changes who can get tokens from Maskinporten.".into(),
            ],
            m,
        )
        .typed(word);
        c.back = back;
        self.modal = Some(Modal::Confirm(Box::new(c)));
    }

    /// What the user types to confirm a change: the scope's or the client's name.
    fn subject_name(&self, m: &Mutation) -> String {
        let client_name = |id: &ClientId| {
            self.data
                .clients
                .iter()
                .find(|c| c.client_id == id.as_str())
                .map(|c| c.client_name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| id.to_string())
        };
        match m {
            // As `mpadmin apply` asks on PROD: the organisation's number.
            Mutation::ApplyPlan(_) => self
                .data
                .token
                .as_ref()
                .and_then(|t| t.org.clone())
                .unwrap_or_else(|| "apply".to_owned()),
            Mutation::CreateScope(s) => format!("{}:{}", s.prefix, s.subscope),
            Mutation::UpdateScope(n, _)
            | Mutation::ReactivateScope(n, _)
            | Mutation::DeactivateScope(n)
            | Mutation::Grant(n, _)
            | Mutation::Revoke(n, _) => n.to_string(),
            Mutation::CreateClient(c) => c.client_name.clone(),
            Mutation::UpdateClient(id, _)
            | Mutation::DeleteClient(id)
            | Mutation::AddKey(id, _)
            | Mutation::DeleteKey(id, _) => client_name(id),
            Mutation::GenerateKey(k) => client_name(&k.client),
            Mutation::RotateKey(r) => client_name(&r.key.client),
            Mutation::Changes(list) => list
                .first()
                .map(|c| self.subject_name(&Mutation::Apply(Box::new(c.clone()))))
                .unwrap_or_default(),
            Mutation::Apply(c) => match &**c {
                Change::CreateScope { scope } => changes::scope_name(scope),
                Change::UpdateScope { name, .. }
                | Change::DeactivateScope { name }
                | Change::ReactivateScope { name, .. }
                | Change::Grant { scope: name, .. }
                | Change::Revoke { scope: name, .. }
                | Change::Approve { scope: name, .. }
                | Change::Deny { scope: name, .. } => name.to_string(),
                Change::CreateClient { client } => client.client_name.clone(),
                Change::UpdateClient { id, .. }
                | Change::DeleteClient { id }
                | Change::AddKey { client: id, .. }
                | Change::RemoveKey { client: id, .. }
                | Change::AddOnBehalfOf { client: id, .. }
                | Change::UpdateOnBehalfOf { client: id, .. }
                | Change::RemoveOnBehalfOf { client: id, .. } => client_name(id),
            },
        }
    }

    // ---- loads ----

    pub fn load(&mut self, load: Load) -> Effect {
        self.data.failed.remove(&load.kind());
        let g = self.generations.entry(load.kind()).or_insert(0);
        *g += 1;
        Effect::Load {
            generation: *g,
            load,
        }
    }

    fn load_all(&mut self) -> Vec<Effect> {
        self.unread = LIST_KINDS.into_iter().collect();
        let mut all = vec![self.load(Load::Token)];
        all.extend(self.read_on_screen());
        all
    }

    /// The lists the view on screen shows.
    fn lists_on_screen(&self) -> &'static [LoadKind] {
        match self.pane {
            PaneId::Scopes if self.scopes.public => &[LoadKind::PublicScopes],
            PaneId::Scopes | PaneId::Access => &[LoadKind::OwnScopes, LoadKind::Prefixes],
            // A client's scopes may be any granted to us, open to all, or our own.
            PaneId::Clients | PaneId::Keys | PaneId::OnBehalfOf => &[
                LoadKind::Clients,
                LoadKind::GrantedToUs,
                LoadKind::PublicScopes,
            ],
        }
    }

    /// Read the lists of the view on screen that have not been read yet. A list is read the
    /// first time it is shown, not all at start: 2 500 clients with their keys and 5 000 public
    /// scopes parsed beside 5 000 own scopes held those back by ~30 ms on two cores and kept
    /// ~20 MB that a user who never opens those views does not need.
    fn read_on_screen(&mut self) -> Vec<Effect> {
        let due: Vec<LoadKind> = self
            .lists_on_screen()
            .iter()
            .copied()
            .filter(|k| self.unread.remove(k))
            .collect();
        due.into_iter()
            .filter_map(list_load)
            .map(|l| self.load(l))
            .collect()
    }

    /// `load`, unless its list has not been read yet: then it is read when first shown.
    fn reread(&mut self, load: Load) -> Option<Effect> {
        (!self.unread.contains(&load.kind())).then(|| self.load(load))
    }

    // ---- offline ----

    fn on_reach(&mut self, reached: bool) {
        if reached {
            if self.offline.take().is_some() {
                self.ok("back online: the server answers again");
            }
            return;
        }
        let now = self.now;
        match &mut self.offline {
            None => self.offline = Some(Offline::new(now)),
            // The first failure of a retry round schedules the next, further away.
            Some(o) if o.probing => {
                o.probing = false;
                o.attempt += 1;
                o.retry_at = now + Offline::backoff(o.attempt);
            }
            Some(_) => {}
        }
    }

    /// Offline and the wait is over: read the lists on screen again (the token too if it never
    /// came); the other lists read so far are read again when next shown.
    fn retry_when_due(&mut self, now: SystemTime) -> Vec<Effect> {
        let due = self
            .offline
            .as_mut()
            .filter(|o| !o.probing && o.retry_at <= now);
        let Some(o) = due else {
            return Vec::new();
        };
        o.probing = true;
        self.unread = LIST_KINDS.into_iter().collect();
        let mut loads = self.read_on_screen();
        if self.data.token.is_none() {
            loads.push(self.load(Load::Token));
        }
        loads
    }

    /// Whole seconds until the next retry while offline (`None` online or while retrying).
    pub fn offline_retry_secs(&self) -> Option<u64> {
        let o = self.offline.as_ref().filter(|o| !o.probing)?;
        Some(
            o.retry_at
                .duration_since(self.now)
                .map_or(0, |d| d.as_secs_f64().ceil() as u64),
        )
    }

    /// What `r` and a finished change re-read.
    fn reload(&mut self, area: Area) -> Vec<Effect> {
        let mut out = match &area {
            Area::All => {
                let mut all = self.reload(Area::Scopes);
                all.extend(self.reload(Area::Clients));
                all
            }
            // Grants follow the scope list (see `on_loaded`).
            Area::Scopes => [Load::OwnScopes, Load::PublicScopes]
                .into_iter()
                .filter_map(|l| self.reread(l))
                .collect(),
            Area::Access => {
                let mut out: Vec<Effect> = self.load_grant_counts().into_iter().collect();
                out.extend(self.grants_of_selected(true));
                out
            }
            // One scope's grants (its count comes with them), never every scope's.
            Area::Grants(scope) => vec![self.load(Load::Grants(scope.clone()))],
            Area::Clients => [Load::Clients, Load::GrantedToUs]
                .into_iter()
                .filter_map(|l| self.reread(l))
                .collect(),
            Area::Keys => vec![self.load_jwks()],
            Area::KeysOf(id) => vec![self.load(Load::Jwks(vec![id.clone()]))],
        };
        if matches!(area, Area::Access | Area::Grants(_))
            && let Some((org, _)) = &self.data.consumer
        {
            let org = org.clone();
            out.push(self.load(Load::Consumer(org)));
        }
        // A change to a client may be one of its registrations: read again those on show.
        if matches!(area, Area::Clients | Area::All)
            && let Some(id) = self.onbehalfof.client.clone()
        {
            out.push(self.load(Load::OnBehalfOf(id)));
        }
        out
    }

    /// The grant counts of every own scope, the rows on screen first: the runner reports the
    /// first screenful before it reads the rest.
    fn load_grant_counts(&mut self) -> Option<Effect> {
        let table = self.scopes.own_table();
        let mut seen = HashSet::new();
        let names = table
            .keys_nearest_first()
            .into_iter()
            .chain(self.data.own_scopes.iter().map(|s| s.name.as_str()))
            .filter(|n| seen.insert(*n))
            .filter_map(|n| n.parse::<ScopeName>().ok())
            .collect::<Vec<_>>();
        if names.is_empty() {
            self.data.loaded.insert(LoadKind::GrantCounts);
            return None;
        }
        Some(self.load(Load::GrantCounts(names)))
    }

    /// The grants of the scope selected in the scopes pane, when the access pane shows them
    /// and holds another scope's (or, with `again`, in any case).
    pub fn grants_of_selected(&mut self, again: bool) -> Option<Effect> {
        if self.pane != PaneId::Access
            || self.access.is_consumer_view()
            || self.access.requests_view
        {
            return None;
        }
        self.grants_of_scope(self.scopes.selected_own()?.to_owned(), again)
    }

    /// Read the grants of `scope` unless they are held or asked for already (or, with
    /// `again`, anyway).
    pub fn grants_of_scope(&mut self, scope: String, again: bool) -> Option<Effect> {
        if !again && self.grants_asked.as_deref() == Some(scope.as_str()) {
            return None;
        }
        let name = scope.parse().ok()?;
        self.grants_asked = Some(scope);
        Some(self.load(Load::Grants(name)))
    }

    fn load_jwks(&mut self) -> Effect {
        let ids = self
            .data
            .clients
            .iter()
            .filter_map(|c| c.client_id.parse::<ClientId>().ok())
            .collect();
        self.load(Load::Jwks(ids))
    }

    /// Key sets the clients listing carried are taken as they are; only clients without one
    /// are asked for their `/jwks`, so a listing that embeds them costs no further request.
    fn keys_from_listing(&mut self) -> Option<Effect> {
        let mut missing = Vec::new();
        for c in &mut self.data.clients {
            match c.take_embedded_keys() {
                Some(keys) => {
                    let set = Jwks {
                        keys,
                        ..Jwks::default()
                    };
                    self.data.jwks.insert(c.client_id.clone(), set);
                }
                None => missing.extend(c.client_id.parse::<ClientId>().ok()),
            }
        }
        if missing.is_empty() {
            self.data.loaded.insert(LoadKind::Jwks);
            return None;
        }
        Some(self.load(Load::Jwks(missing)))
    }

    fn on_loaded(&mut self, generation: u64, data: Loaded) -> Vec<Effect> {
        let kind = data.kind();
        if self.generations.get(&kind).copied() != Some(generation) {
            // A newer request of the same kind is on its way; this answer is stale.
            return Vec::new();
        }
        let mut next = Vec::new();
        let mut counts_wanted = false;
        let mut errors = Vec::new();
        let mut keep = |r: Result<(), String>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        match data {
            Loaded::Token(r) => {
                self.token_asked = false;
                keep(r.map(|t| self.data.token = Some(t)));
            }
            Loaded::Prefixes(r) => keep(r.map(|p| self.data.prefixes = p)),
            Loaded::OwnScopes(r) => {
                counts_wanted = r.is_ok();
                keep(r.map(|s| {
                    let names: HashSet<&str> = s.iter().map(|s| s.name.as_str()).collect();
                    self.data
                        .grant_counts
                        .retain(|n, _| names.contains(n.as_str()));
                    self.data.requests.retain(|n, _| names.contains(n.as_str()));
                    self.data.own_scopes = s;
                }));
            }
            Loaded::PublicScopes(r) => keep(r.map(|s| self.data.public_scopes = s)),
            // Counts come in parts (the rows on screen first); a failed one keeps the old count.
            Loaded::GrantCounts(list) => {
                for (name, r) in list {
                    match r {
                        Ok(counted) => {
                            self.data
                                .grant_counts
                                .insert(name.clone(), counted.approved);
                            self.data.requests.insert(name, counted.requests);
                        }
                        Err(e) => keep(Err(e)),
                    }
                }
            }
            Loaded::Grants(name, r) => {
                if r.is_err() {
                    self.grants_asked = None;
                }
                keep(r.map(|g| {
                    let counted = super::effect::Counted::of(&g);
                    self.data
                        .grant_counts
                        .insert(name.clone(), counted.approved);
                    self.data.requests.insert(name.clone(), counted.requests);
                    self.data.grants = Some((name, g));
                }));
            }
            Loaded::Consumer(org, r) => keep(r.map(|g| self.data.consumer = Some((org, g)))),
            Loaded::GrantedToUs(r) => keep(r.map(|g| self.data.granted_to_us = g)),
            Loaded::Clients(r) => {
                let ok = r.is_ok();
                keep(r.map(|c| self.data.clients = c));
                if ok {
                    next.extend(self.keys_from_listing());
                }
            }
            Loaded::Jwks(list) => {
                for (id, r) in list {
                    keep(r.map(|j| {
                        self.data.jwks.insert(id, j);
                    }));
                }
            }
            Loaded::OnBehalfOf(id, r) => {
                if r.is_err() {
                    self.onbehalfof.asked = None;
                }
                keep(r.map(|l| self.data.onbehalfof = Some((id, l))));
            }
        }
        match errors.first() {
            None => {
                self.data.loaded.insert(kind);
            }
            Some(first) => {
                self.data.failed.insert(kind, first.clone());
            }
        }
        if let Some(first) = errors.first() {
            let more = if errors.len() > 1 {
                format!(" (+{} more)", errors.len() - 1)
            } else {
                String::new()
            };
            self.error(format!("{first}{more}"));
        }
        match kind {
            LoadKind::OwnScopes | LoadKind::PublicScopes | LoadKind::GrantCounts => {
                panes::scopes::rebuild(self);
                panes::access::rebuild(self);
                // A new list may have moved the selection the access pane follows.
                next.extend(self.grants_of_selected(false));
            }
            LoadKind::Grants => {
                panes::scopes::rebuild(self);
                panes::access::rebuild(self);
                panes::scopes::grants_arrived(self);
            }
            LoadKind::Consumer => panes::access::rebuild(self),
            LoadKind::Clients | LoadKind::Jwks => {
                panes::clients::rebuild(self);
                panes::keys::rebuild(self);
            }
            LoadKind::OnBehalfOf => panes::onbehalfof::rebuild(self),
            LoadKind::Token | LoadKind::Prefixes | LoadKind::GrantedToUs => {}
        }
        if matches!(
            kind,
            LoadKind::GrantCounts | LoadKind::Grants | LoadKind::Consumer | LoadKind::Clients
        ) {
            next.extend(self.lookup_names());
        }
        self.select_created(kind);
        if counts_wanted {
            // After the rebuild, so the rows on screen are known.
            next.extend(self.load_grant_counts());
        }
        next
    }

    /// The names of the organisations the access pane, the org view and the requests show,
    /// except those known or asked for already: the server's own names on the rows count as
    /// known. Nothing when names are off.
    fn lookup_names(&mut self) -> Option<Effect> {
        let rows = self
            .data
            .grants
            .iter()
            .flat_map(|(_, g)| g)
            .chain(self.data.consumer.iter().flat_map(|(_, g)| g))
            .chain(self.data.requests.values().flatten());
        let given = crate::names::from_rows(rows.clone());
        // A supplier's clients are grouped under their customers, named.
        let customers = crate::tui::supplier::ours(self)
            .is_some()
            .then_some(&self.data.clients)
            .into_iter()
            .flatten()
            .filter_map(|c| c.client_orgno.as_deref());
        let mut wanted: Vec<OrgNumber> = rows
            .map(|r| r.consumer_orgno.as_str())
            .chain(self.data.consumer.iter().map(|(o, _)| o.as_str()))
            .chain(customers)
            .filter_map(|o| o.parse().ok())
            .collect();
        self.data.names.extend(given);
        wanted.sort();
        wanted.dedup();
        self.names_effect(wanted)
    }

    /// Look up those of `wanted` not known or asked for yet (nothing when names are off).
    pub fn names_effect(&mut self, wanted: Vec<OrgNumber>) -> Option<Effect> {
        if !self.names_on {
            return None;
        }
        let fresh: Vec<OrgNumber> = wanted
            .into_iter()
            .filter(|o| !self.data.names.contains_key(o.as_str()))
            .filter(|o| self.data.names_asked.insert(o.to_string()))
            .collect();
        self.data
            .names_pending
            .extend(fresh.iter().map(ToString::to_string));
        (!fresh.is_empty()).then_some(Effect::LookupNames(fresh))
    }

    /// Names came back: each is kept under its own number, so an answer that arrives late
    /// never stands for another number typed since.
    fn names_arrived(&mut self, asked: Vec<OrgNumber>, found: crate::names::Names) {
        for o in &asked {
            self.data.names_pending.remove(o.as_str());
        }
        let failed = asked
            .iter()
            .filter(|o| !found.contains_key(o.as_str()))
            .count();
        if failed > 0 {
            tracing::debug!(
                failed,
                "organisation names not looked up; numbers shown alone"
            );
        }
        self.data.names.extend(found);
        panes::access::rebuild(self);
        if crate::tui::supplier::ours(self).is_some() {
            panes::clients::rebuild(self);
        }
    }

    /// Select what was just created once it shows up, clearing a filter that hides it.
    fn select_created(&mut self, kind: LoadKind) {
        let Some((area, key)) = &self.select_after else {
            return;
        };
        let table = match (area, kind) {
            (Area::Scopes, LoadKind::OwnScopes) => self.scopes.own_table_mut(),
            (Area::Clients, LoadKind::Clients) => &mut self.clients.table,
            _ => return,
        };
        if !table.select_key(key) {
            table.clear_filter();
            table.select_key(key);
        }
        self.select_after = None;
    }

    fn on_mutated(&mut self, area: Area, result: Result<String, String>) -> Vec<Effect> {
        match result {
            Ok(msg) => {
                if matches!(&self.modal, Some(Modal::Form(f, _)) if f.submitting) {
                    self.modal = None;
                }
                self.ok(msg);
            }
            Err(e) => {
                if let Some(Modal::Form(form, _)) = &mut self.modal
                    && form.submitting
                {
                    // Keep what the user typed; show why the save failed.
                    form.submitting = false;
                    form.error = Some(e.clone());
                }
                self.error(e);
            }
        }
        // Success or not: read back what the server now holds (grants and keys follow
        // the scope and client lists by themselves).
        self.reload(area)
    }

    /// Rebuild every pane's rows from the data (tests change `data` directly).
    #[cfg(test)]
    pub fn rebuild(&mut self) {
        panes::scopes::rebuild(self);
        panes::access::rebuild(self);
        panes::clients::rebuild(self);
        panes::keys::rebuild(self);
        panes::onbehalfof::rebuild(self);
    }

    // ---- status line ----

    pub fn ok(&mut self, text: impl Into<String>) {
        self.toast = Some(Toast {
            level: Level::Ok,
            text: text.into(),
            until: Some(self.now + TOAST_TIME),
        });
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.toast = Some(Toast {
            level: Level::Info,
            text: text.into(),
            until: Some(self.now + TOAST_TIME),
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.toast = Some(Toast {
            level: Level::Error,
            text: text.into(),
            until: None,
        });
    }

    fn on_tick(&mut self, now: SystemTime) -> Vec<Effect> {
        let old_secs = self.token_secs_left();
        let old_retry = self.offline_retry_secs();
        self.now = now;
        if self.pending > 0 {
            self.spin = self.spin.wrapping_add(1);
            self.dirty = true;
        }
        if self
            .toast
            .as_ref()
            .is_some_and(|t| t.until.is_some_and(|u| u <= now))
        {
            self.toast = None;
            self.dirty = true;
        }
        let left = self.token_secs_left();
        if left != old_secs || self.offline_retry_secs() != old_retry {
            self.dirty = true;
        }
        let retry = self.retry_when_due(now);
        if !retry.is_empty() {
            self.dirty = true;
            return retry;
        }
        // The token source renews 30 s before expiry; ask it again then, so the header shows
        // the new token instead of counting down to zero.
        if left.is_some_and(|s| s < 30) && !self.token_asked {
            self.token_asked = true;
            return vec![self.load(Load::Token)];
        }
        Vec::new()
    }

    pub fn token_secs_left(&self) -> Option<u64> {
        let t = self.data.token.as_ref()?;
        Some(
            t.expires_at
                .duration_since(self.now)
                .map_or(0, |d| d.as_secs()),
        )
    }

    // ---- input ----

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        // Windows also reports releases; act on presses (and held keys) only.
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if self.modal.is_some() {
            return self.modal_key(key);
        }
        if self.current_table().filtering() {
            self.current_table_mut().filter_key(key);
            return Vec::new();
        }
        let Some(binding) = self.keymap.lookup(self.pane, &key) else {
            return Vec::new();
        };
        let cmd = binding.cmd;
        if binding.mutating && self.session.read_only {
            self.error(format!(
                "read-only profile: '{}' is disabled (profile read_only = true or --read-only)",
                binding.help
            ));
            return Vec::new();
        }
        if let Some(scope) = self.lacks(cmd) {
            let what = format!("'{}'", binding.help);
            self.error(crate::wire::admin::refusal(&what, scope));
            return Vec::new();
        }
        self.command(cmd)
    }

    /// The admin scope `cmd` needs and the session's token lacks; `None` while the token is
    /// not known yet (the change engine checks again before sending).
    pub fn lacks(&self, cmd: Cmd) -> Option<&'static str> {
        let granted = &self.data.token.as_ref()?.scopes;
        if granted.is_empty() {
            return None;
        }
        crate::wire::admin::missing(cmd.needs()?, granted)
    }

    /// Run one command of the keymap.
    pub fn command(&mut self, cmd: Cmd) -> Vec<Effect> {
        let page = self.page();
        match cmd {
            Cmd::Quit => self.quit = true,
            Cmd::Help => self.open_help(),
            Cmd::NextPane => return self.switch(self.pane.next()),
            Cmd::PrevPane => return self.switch(self.pane.prev()),
            Cmd::Pane(p) => return self.switch(p),
            Cmd::Up => self.current_table_mut().move_by(-1, page),
            Cmd::Down => self.current_table_mut().move_by(1, page),
            Cmd::PageUp => self.current_table_mut().move_by(-(page as isize), page),
            Cmd::PageDown => self.current_table_mut().move_by(page as isize, page),
            Cmd::Top => self.current_table_mut().top(),
            Cmd::Bottom => self.current_table_mut().bottom(page),
            Cmd::Filter => self.current_table_mut().start_filter(),
            Cmd::Sort => self.current_table_mut().cycle_sort(),
            Cmd::Refresh => {
                // Numbers whose lookup failed are tried again with what is re-read.
                self.data
                    .names_asked
                    .retain(|o| self.data.names.contains_key(o));
                let area = (self.pane.pane().refresh)();
                let mut out = self.reload(area);
                out.push(self.load(Load::Token));
                self.info("refreshing…");
                return out;
            }
            Cmd::CommandLine => {
                self.modal = Some(Modal::Command {
                    input: Input::default(),
                    hints: Vec::new(),
                })
            }
            Cmd::Back => return self.back(),
            // Undo works on a journal line; out of the journal there is none to pick.
            Cmd::Undo => self.info("open the journal (:journal) to pick a change to undo"),
            Cmd::Copy => {
                if let Some(row) = self.current_table().selected_row() {
                    let text = row.key.clone();
                    self.ok(format!("copied {text}"));
                    return vec![Effect::Copy(text)];
                }
            }
            _ => {
                return (self.pane.pane().command)(self, cmd);
            }
        }
        Vec::new()
    }

    fn back(&mut self) -> Vec<Effect> {
        if self.current_table().filter_text().is_empty() {
            match self.pane {
                PaneId::Access if self.access.requests_view => {
                    self.access.leave_requests();
                    panes::access::rebuild(self);
                    return self.grants_of_selected(true).into_iter().collect();
                }
                PaneId::Access if self.access.is_consumer_view() => {
                    self.access.leave_consumer();
                    self.data.consumer = None;
                    panes::access::rebuild(self);
                    // A change made in the reverse view may have touched this scope too.
                    return self.grants_of_selected(true).into_iter().collect();
                }
                // Leaving the overview ends it, so `K` then shows the selected client's keys.
                PaneId::Keys => {
                    self.keys.overview = false;
                    self.pane = PaneId::Clients;
                }
                PaneId::Access => self.pane = PaneId::Scopes,
                PaneId::OnBehalfOf => self.pane = PaneId::Clients,
                _ => {
                    if matches!(
                        self.toast,
                        Some(Toast {
                            level: Level::Error,
                            ..
                        })
                    ) {
                        self.toast = None;
                    }
                }
            }
        } else {
            self.current_table_mut().clear_filter();
        }
        Vec::new()
    }

    /// Bring a pane to the front. Access and keys follow the selection in scopes and clients,
    /// so those two are rebuilt; the big lists are not.
    pub fn switch(&mut self, pane: PaneId) -> Vec<Effect> {
        self.pane = pane;
        panes::access::rebuild(self);
        panes::keys::rebuild(self);
        self.grants_of_selected(false).into_iter().collect()
    }

    fn open_help(&mut self) {
        let mut lines = vec![(String::new(), format!("{} pane", self.pane.title()))];
        for (keys, b) in self.keymap.help(self.pane) {
            let mut help = b.help.to_owned();
            if b.mutating && self.session.read_only {
                help.push_str("  (disabled: read-only)");
            } else if let Some(scope) = self.lacks(b.cmd) {
                help.push_str(&format!("  (disabled: needs {scope})"));
            }
            lines.push((keys, help));
        }
        lines.push((String::new(), String::new()));
        lines.push((String::new(), "Commands (:)".into()));
        for (w, arg, what) in cmdline::COMMANDS {
            let w = if *arg {
                format!(":{w} …")
            } else {
                format!(":{w}")
            };
            lines.push((w, (*what).to_owned()));
        }
        lines.push((String::new(), String::new()));
        lines.push((
            String::new(),
            "Ctrl-C quits from anywhere. Keys are remapped by action name in config.toml beside the profiles file.".into(),
        ));
        self.modal = Some(Modal::Help(Overlay::new("Help", lines)));
    }

    fn modal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(modal) = self.modal.take() else {
            return Vec::new();
        };
        match modal {
            Modal::Help(mut o) => {
                if o.handle_key(key) {
                    self.modal = Some(Modal::Help(o));
                }
            }
            Modal::Plan(mut view) => {
                let cmd = self.keymap.lookup(self.pane, &key).map(|b| b.cmd);
                if cmd == Some(Cmd::ApplyPlan) {
                    if view.plan.items.is_empty() || view.applying {
                        self.modal = Some(Modal::Plan(view));
                        self.info("nothing to apply");
                        return Vec::new();
                    }
                    view.applying = true;
                    let plan = view.plan.clone();
                    self.modal = Some(Modal::Plan(view));
                    return vec![Effect::Mutate(Mutation::ApplyPlan(Box::new(plan)))];
                }
                if key.code == KeyCode::Enter {
                    view.expanded = !view.expanded;
                    view.redraw();
                    self.modal = Some(Modal::Plan(view));
                } else if view.overlay.handle_key(key) {
                    self.modal = Some(Modal::Plan(view));
                }
            }
            Modal::Journal {
                mut overlay,
                entries,
            } => {
                let undo = self
                    .keymap
                    .lookup(self.pane, &key)
                    .is_some_and(|b| b.cmd == Cmd::Undo);
                if undo {
                    let entry = entries.get(usize::from(overlay.scroll)).cloned();
                    self.modal = Some(Modal::Journal { overlay, entries });
                    if let Some(entry) = entry {
                        self.ask_undo(&entry);
                    }
                } else if overlay.handle_key(key) {
                    self.modal = Some(Modal::Journal { overlay, entries });
                }
            }
            Modal::Detail(mut o) => {
                if o.handle_key(key) {
                    self.modal = Some(Modal::Detail(o));
                }
            }
            Modal::Copyable { mut overlay, text } => {
                if key.code == KeyCode::Char('y') {
                    self.ok(format!("copied {text}"));
                    self.modal = Some(Modal::Copyable {
                        overlay,
                        text: text.clone(),
                    });
                    return vec![Effect::Copy(text)];
                }
                if overlay.handle_key(key) {
                    self.modal = Some(Modal::Copyable { overlay, text });
                }
            }
            Modal::Confirm(mut c) => match c.handle_key(key) {
                ConfirmOutcome::Stay => self.modal = Some(Modal::Confirm(c)),
                ConfirmOutcome::No => {
                    if let Some((form, purpose)) = c.back {
                        self.modal = Some(Modal::Form(form, purpose));
                    }
                    match c.later {
                        Some(later) => {
                            self.modal = Some(Modal::Copyable {
                                overlay: Overlay::new(
                                    "Kept for now",
                                    vec![
                                        (String::new(), later.why.clone()),
                                        ("later".into(), later.command.clone()),
                                        (String::new(), "y copies the command".into()),
                                    ],
                                ),
                                text: later.command,
                            });
                            self.info("kept");
                        }
                        None => self.info("cancelled"),
                    }
                }
                ConfirmOutcome::Yes => {
                    // On PROD every dialog is a typed one (see `confirm`), so this is the
                    // confirmation `admit` waits for.
                    self.prod_confirmed = self.session.is_prod();
                    if let Some((mut form, purpose)) = c.back {
                        form.submitting = true;
                        self.modal = Some(Modal::Form(form, purpose));
                    }
                    self.info(format!("{}…", c.mutation.describe()));
                    return vec![Effect::Mutate(c.mutation)];
                }
            },
            Modal::Form(mut form, purpose) => match form.handle_key(key) {
                FormOutcome::Stay => self.modal = Some(Modal::Form(form, purpose)),
                FormOutcome::Cancel => self.info("cancelled"),
                FormOutcome::Submit => {
                    let built = match &purpose {
                        FormPurpose::NewScope | FormPurpose::EditScope(_) => {
                            panes::scopes::submit(self, &form, &purpose)
                        }
                        FormPurpose::Grant(_) => panes::access::submit(&form, &purpose),
                        FormPurpose::NewClient | FormPurpose::EditClient(_) => {
                            panes::clients::submit(self, &form, &purpose)
                        }
                        FormPurpose::AddOnBehalfOf(_) | FormPurpose::EditOnBehalfOf(..) => {
                            panes::onbehalfof::submit(self, &form, &purpose)
                        }
                        FormPurpose::AddKey(_) => panes::keys::submit(&form, &purpose),
                        FormPurpose::GenerateKey(_)
                        | FormPurpose::RotateKey { .. }
                        | FormPurpose::TokenTest(_) => {
                            return panes::keys::submit_form(self, form, purpose);
                        }
                    };
                    match built {
                        Ok(m) => {
                            if let Some(mut c) = panes::access::ask_unknown(self, &m) {
                                form.error = None;
                                c.back = Some((form, purpose));
                                self.confirm(c);
                                return Vec::new();
                            }
                            form.submitting = true;
                            form.error = None;
                            self.modal = Some(Modal::Form(form, purpose));
                            return vec![Effect::Mutate(m)];
                        }
                        Err(e) => {
                            form.error = Some(e);
                            self.modal = Some(Modal::Form(form, purpose));
                        }
                    }
                }
            },
            Modal::Command { mut input, hints } => {
                return self.command_line_key(input_key(&mut input, key), input, hints);
            }
        }
        Vec::new()
    }

    fn command_line_key(
        &mut self,
        key: Option<KeyEvent>,
        mut input: Input,
        mut hints: Vec<String>,
    ) -> Vec<Effect> {
        let Some(key) = key else {
            hints = cmdline::complete(input.value(), &self.session.profiles);
            self.modal = Some(Modal::Command { input, hints });
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Tab => {
                let cands = cmdline::complete(input.value(), &self.session.profiles);
                if let Some(prefix) = cmdline::common_prefix(&cands)
                    && prefix.len() >= input.value().len()
                {
                    input = Input::new(prefix);
                }
                hints = cmdline::complete(input.value(), &self.session.profiles);
                self.modal = Some(Modal::Command { input, hints });
            }
            KeyCode::Enter => match cmdline::parse(input.value()) {
                Ok(cmd) => return self.run_command(cmd),
                Err(e) => {
                    self.error(e);
                    self.modal = Some(Modal::Command { input, hints });
                }
            },
            _ => self.modal = Some(Modal::Command { input, hints }),
        }
        Vec::new()
    }

    pub fn run_command(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::Scopes => {
                self.scopes.public = false;
                self.switch(PaneId::Scopes)
            }
            Command::Public => {
                self.scopes.public = true;
                self.switch(PaneId::Scopes)
            }
            Command::Access => self.switch(PaneId::Access),
            Command::Clients => self.switch(PaneId::Clients),
            Command::Keys => panes::keys::show(self, false),
            Command::Expiring => panes::keys::show(self, true),
            Command::Org(org) => panes::access::show_consumer(self, org),
            Command::Requests => panes::access::show_requests(self),
            Command::Profile(p) => {
                if !self.session.profiles.is_empty() && !self.session.profiles.contains(&p) {
                    self.error(format!(
                        "no profile {p} in the profiles file; known: {}",
                        self.session.profiles.join(", ")
                    ));
                    return Vec::new();
                }
                self.info(format!("switching to profile {p}…"));
                vec![Effect::SwitchProfile(p)]
            }
            Command::Help => {
                self.open_help();
                Vec::new()
            }
            Command::Journal => vec![Effect::ReadJournal],
            Command::Plan(file) => vec![Effect::Plan(file)],
            Command::Export(file) => vec![Effect::Export(file)],
            Command::Doctor => {
                self.info("checking profile, certificate, network, token and scopes…");
                vec![Effect::Doctor]
            }
            Command::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    /// Confirm, then apply, the inverse of a journaled change (through `admit` like any
    /// change: read-only refuses it, PROD asks for the name).
    fn ask_undo(&mut self, entry: &crate::journal::Entry) {
        match changes::undo(entry) {
            Ok(inverse) => {
                let lines = vec![
                    format!(
                        "{} {} {} ({})",
                        entry.short_id(),
                        entry.operation.label(),
                        entry.target,
                        short_time(Some(&entry.time))
                    ),
                    format!("{} {}", inverse.symbol(), inverse.describe()),
                ];
                let c = Confirm::new("Undo", lines, Mutation::Apply(Box::new(inverse)));
                self.modal = Some(Modal::Confirm(Box::new(c)));
            }
            Err(e) => self.error(format!("cannot undo: {e}")),
        }
    }

    /// The latest changes, newest first, in an overlay.
    fn show_journal(&mut self, entries: Result<Vec<crate::journal::Entry>, String>) {
        const SHOWN: usize = 200;
        let entries = match entries {
            Ok(e) => e,
            Err(e) => {
                self.error(e);
                return;
            }
        };
        let mut lines: Vec<(String, String)> = entries
            .iter()
            .rev()
            .take(SHOWN)
            .map(|e| {
                let mut what = format!(
                    "{} {} {} {}",
                    e.short_id(),
                    e.environment,
                    e.operation.label(),
                    e.target
                );
                if e.result != "ok" {
                    what.push_str(&format!(" — FAILED: {}", e.result));
                }
                (short_time(Some(&e.time)), what)
            })
            .collect();
        if lines.is_empty() {
            lines.push((String::new(), "no changes recorded yet".into()));
        }
        let undo = self
            .keymap
            .for_pane(self.pane)
            .find(|b| b.cmd == Cmd::Undo)
            .and_then(|b| b.keys.first())
            .map(|k| format!(" · {k}: undo the top line"))
            .unwrap_or_default();
        let title = format!(
            "Journal: last {} of {} changes{undo}",
            lines.len().min(entries.len()),
            entries.len()
        );
        let entries = entries.into_iter().rev().take(SHOWN).collect();
        self.modal = Some(Modal::Journal {
            overlay: Overlay::new(title, lines),
            entries,
        });
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.modal {
            Some(Modal::Form(form, _)) => form.paste(text),
            Some(Modal::Command { input, .. }) => {
                let v = format!("{}{}", input.value(), text.trim());
                *input = Input::new(v);
            }
            Some(_) => {}
            None => {
                if self.current_table().filtering() {
                    self.current_table_mut().paste(text);
                }
            }
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.modal.is_some() {
            return Vec::new();
        }
        let page = self.page();
        match m.kind {
            MouseEventKind::ScrollDown => self.current_table_mut().scroll(3, page),
            MouseEventKind::ScrollUp => self.current_table_mut().scroll(-3, page),
            MouseEventKind::Down(MouseButton::Left) => {
                if m.row == 1 {
                    if let Some(p) = super::view::tab_at(m.column) {
                        return self.switch(p);
                    }
                } else if m.row >= 4 {
                    let line = usize::from(m.row - 4);
                    self.current_table_mut().click(line, page);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    // ---- helpers for panes ----

    pub fn current_table(&self) -> &FilterTable {
        (self.pane.pane().table)(self)
    }

    pub fn current_table_mut(&mut self) -> &mut FilterTable {
        (self.pane.pane().table_mut)(self)
    }

    pub fn open_form(&mut self, form: Form, purpose: FormPurpose) {
        self.modal = Some(Modal::Form(Box::new(form), purpose));
    }

    /// Open a confirmation; on PROD it asks for the object's name typed out.
    pub fn confirm(&mut self, c: Confirm) {
        let c = if self.session.is_prod() && c.expect.is_none() {
            let word = self.subject_name(&c.mutation);
            c.typed(word)
        } else {
            c
        };
        self.modal = Some(Modal::Confirm(Box::new(c)));
    }
}

/// Feed a key to the command line input; returns the key when the input did not use it.
fn input_key(input: &mut Input, key: KeyEvent) -> Option<KeyEvent> {
    match key.code {
        KeyCode::Esc | KeyCode::Enter | KeyCode::Tab => Some(key),
        _ => {
            input.handle_event(&crossterm::event::Event::Key(key));
            None
        }
    }
}
