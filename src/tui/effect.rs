//! Work `update` asks for, and the runner that does it on tokio. Every answer comes back to the
//! UI as an `Action` over the channel; the UI thread never waits on the network.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::action::Action;
use crate::api::models::{Client, ClientOnBehalfOf, Jwk, Jwks, Scope, ScopeAccess, ScopePrefix};
use crate::api::types::{ClientId, Kid, OrgNumber, ScopeName};
use crate::api::{AdminApi, ApiError, PublicScopeQuery};
use crate::auth::Secret;
use crate::changes::{self, Before, Change, ChangeError, Engine, JournalTarget};
use crate::config::Profile;
use crate::keys::{self, DoctorContext, KeySize, KidChoice, TokenTestError};

/// Grants and key sets are fetched for many scopes / clients at once, this many at a time.
const CONCURRENCY: usize = 8;
/// Grant counts reported before the rest: more rows than a tall terminal shows.
const FIRST_SCREEN: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Load {
        generation: u64,
        load: Load,
    },
    Mutate(Mutation),
    /// Put text on the clipboard (OSC 52, so it works over SSH).
    Copy(String),
    /// Reconnect with another profile from the profiles file.
    SwitchProfile(String),
    /// Read the latest entries of the journal of changes.
    ReadJournal,
    /// Plan an estate file against the live estate (reads only).
    Plan(PathBuf),
    /// Write the live estate to a new estate file.
    Export(PathBuf),
    /// Run the doctor's checks on the session's profile (the main loop asks the host how).
    Doctor,
    /// Ask Maskinporten for a token as a client, with one of its private keys (changes
    /// nothing, so it is no `Mutation`).
    TokenTest(Box<TokenTestRequest>),
    /// Look up the names of these organisations (the on-disk cache first, then the open
    /// register, at most eight at a time); answered by `Action::Names`.
    LookupNames(Vec<OrgNumber>),
}

impl Effect {
    /// Answered by the runner with exactly one action.
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Effect::Load { .. }
                | Effect::Mutate(_)
                | Effect::ReadJournal
                | Effect::TokenTest(_)
                | Effect::Plan(_)
                | Effect::Export(_)
                | Effect::Doctor
                | Effect::LookupNames(_)
        )
    }
}

/// A read. Each kind has its own generation counter in the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    Token,
    Prefixes,
    OwnScopes,
    PublicScopes,
    /// The APPROVED grants of each scope, counted as each answer arrives (holding every
    /// grant of every scope to show a number per row would cost ~0.5 kB per grant), and its
    /// REQUESTED rows, which are few and wait for an answer.
    GrantCounts(Vec<ScopeName>),
    /// Every grant of one scope (the access pane, the scope's detail).
    Grants(ScopeName),
    Consumer(OrgNumber),
    GrantedToUs,
    Clients,
    Jwks(Vec<ClientId>),
    /// The on-behalf-of registrations of one client (the on-behalf-of pane).
    OnBehalfOf(ClientId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadKind {
    Token,
    Prefixes,
    OwnScopes,
    PublicScopes,
    GrantCounts,
    Grants,
    Consumer,
    GrantedToUs,
    Clients,
    Jwks,
    OnBehalfOf,
}

impl Load {
    pub fn kind(&self) -> LoadKind {
        match self {
            Load::Token => LoadKind::Token,
            Load::Prefixes => LoadKind::Prefixes,
            Load::OwnScopes => LoadKind::OwnScopes,
            Load::PublicScopes => LoadKind::PublicScopes,
            Load::GrantCounts(_) => LoadKind::GrantCounts,
            Load::Grants(_) => LoadKind::Grants,
            Load::Consumer(_) => LoadKind::Consumer,
            Load::GrantedToUs => LoadKind::GrantedToUs,
            Load::Clients => LoadKind::Clients,
            Load::Jwks(_) => LoadKind::Jwks,
            Load::OnBehalfOf(_) => LoadKind::OnBehalfOf,
        }
    }
}

/// What the header shows about the admin token (never the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub scopes: Vec<String>,
    pub expires_at: SystemTime,
    pub org: Option<String>,
}

type Res<T> = Result<T, String>;

#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    Token(Res<TokenInfo>),
    Prefixes(Res<Vec<ScopePrefix>>),
    OwnScopes(Res<Vec<Scope>>),
    PublicScopes(Res<Vec<Scope>>),
    GrantCounts(Vec<(String, Res<Counted>)>),
    Grants(String, Res<Vec<ScopeAccess>>),
    Consumer(OrgNumber, Res<Vec<ScopeAccess>>),
    GrantedToUs(Res<Vec<ScopeAccess>>),
    Clients(Res<Vec<Client>>),
    Jwks(Vec<(String, Res<Jwks>)>),
    OnBehalfOf(String, Res<Vec<ClientOnBehalfOf>>),
}

impl Loaded {
    pub fn kind(&self) -> LoadKind {
        match self {
            Loaded::Token(_) => LoadKind::Token,
            Loaded::Prefixes(_) => LoadKind::Prefixes,
            Loaded::OwnScopes(_) => LoadKind::OwnScopes,
            Loaded::PublicScopes(_) => LoadKind::PublicScopes,
            Loaded::GrantCounts(_) => LoadKind::GrantCounts,
            Loaded::Grants(..) => LoadKind::Grants,
            Loaded::Consumer(..) => LoadKind::Consumer,
            Loaded::GrantedToUs(_) => LoadKind::GrantedToUs,
            Loaded::Clients(_) => LoadKind::Clients,
            Loaded::Jwks(_) => LoadKind::Jwks,
            Loaded::OnBehalfOf(..) => LoadKind::OnBehalfOf,
        }
    }
}

/// The passphrase of a private key file, on its way from a form to the runner. Shared rather
/// than copied, never printed; equal when the text is (for tests).
#[derive(Clone)]
pub struct Passphrase(Arc<Secret>);

impl Passphrase {
    pub fn new(text: String) -> Passphrase {
        Passphrase(Arc::new(Secret::new(text)))
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl PartialEq for Passphrase {
    fn eq(&self, other: &Passphrase) -> bool {
        self.0.expose() == other.0.expose()
    }
}

/// A key pair to generate for a client; its public key goes up beside the client's others.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRequest {
    pub client: ClientId,
    pub size: KeySize,
    pub kid: KidChoice,
    pub out: PathBuf,
    /// `None`: unencrypted, which the form asks for by name.
    pub passphrase: Option<Passphrase>,
    /// Kids removed in the same upload, to make room (the five-key limit).
    pub drop: Vec<String>,
}

impl KeyRequest {
    fn spec(&self) -> changes::NewKey {
        changes::NewKey {
            size: self.size,
            kid: self.kid.clone(),
            out: self.out.clone(),
            passphrase: self.passphrase.as_ref().map(|p| p.0.clone()),
            drop: self.drop.clone(),
        }
    }
}

/// A rotation: a new key, and the key it replaces once a real token proves the new one.
#[derive(Debug, Clone, PartialEq)]
pub struct RotateRequest {
    pub key: KeyRequest,
    pub old: Option<String>,
    /// Scopes for the proof token.
    pub scopes: Vec<String>,
}

/// The token doctor's question: can this client get a token with this key?
#[derive(Debug, Clone, PartialEq)]
pub struct TokenTestRequest {
    pub client: ClientId,
    pub key_file: PathBuf,
    /// Default: the kid the key is registered under.
    pub kid: Option<String>,
    pub scopes: Vec<String>,
    pub passphrase: Option<Passphrase>,
}

/// The doctor's answer: the token's claims, or Maskinporten's refusal read.
#[derive(Debug, Clone, PartialEq)]
pub enum Doctored {
    Issued {
        report: keys::TokenReport,
        /// The key is not among the client's; its thumbprint was tried as kid.
        unregistered: bool,
    },
    Refused(Box<keys::Refusal>),
}

/// How a rotation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Rotated {
    /// The new key got a token: the old one may go.
    Proven {
        client: ClientId,
        new_kid: String,
        old: Option<String>,
        report: keys::TokenReport,
    },
    /// The new key is uploaded but got no token; nothing was deleted.
    NotProven {
        client: ClientId,
        new_kid: String,
        old: Option<String>,
        file: PathBuf,
        reason: String,
        refusal: Option<Box<keys::Refusal>>,
    },
    /// Stopped before or at the upload (the message says which), or the proof could not run.
    Failed(String),
}

/// A change on the server. All of them pass `App::admit`, the one read-only guard.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    CreateScope(Box<Scope>),
    UpdateScope(ScopeName, Box<Scope>),
    /// PUT with `active: true` (a POST of a deactivated scope is a 409).
    ReactivateScope(ScopeName, Box<Scope>),
    DeactivateScope(ScopeName),
    /// Also re-approval of a DENIED row.
    Grant(ScopeName, Vec<OrgNumber>),
    Revoke(ScopeName, OrgNumber),
    CreateClient(Box<Client>),
    UpdateClient(ClientId, Box<Client>),
    DeleteClient(ClientId),
    AddKey(ClientId, PathBuf),
    DeleteKey(ClientId, Kid),
    GenerateKey(Box<KeyRequest>),
    /// Answered with `Action::Rotated`, not `Mutated`: a proven rotation asks about the old
    /// key next.
    RotateKey(Box<RotateRequest>),
    /// A change built whole elsewhere (the inverse of a journaled change).
    Apply(Box<Change>),
    /// Every change of a plan, in its order, as `mpadmin apply` does; each row's progress
    /// comes back as `Action::PlanStep`.
    ApplyPlan(Box<crate::estate::Plan>),
    /// Changes built whole, one after another, a refusal of one not stopping the others:
    /// approving or denying the marked requests.
    Changes(Vec<Change>),
}

/// Which data to re-read after a change: exactly what it touched (a grant re-reads its one
/// scope's grants, not every scope's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    Scopes,
    /// Every scope's grants (a refresh).
    Access,
    /// One scope's grants, after a grant or revoke on it.
    Grants(ScopeName),
    Clients,
    /// Every client's keys (a refresh).
    Keys,
    /// One client's keys, after a key change.
    KeysOf(ClientId),
    /// Everything (after a plan is applied).
    All,
}

impl Mutation {
    /// The existing client this mutation changes (its registration or keys).
    pub fn client(&self) -> Option<&str> {
        match self {
            Mutation::UpdateClient(id, _)
            | Mutation::DeleteClient(id)
            | Mutation::AddKey(id, _)
            | Mutation::DeleteKey(id, _) => Some(id.as_str()),
            Mutation::GenerateKey(k) => Some(k.client.as_str()),
            Mutation::RotateKey(r) => Some(r.key.client.as_str()),
            Mutation::Apply(c) => c.altered_client().map(|id| id.as_str()),
            _ => None,
        }
    }

    pub fn area(&self) -> Area {
        match self {
            Mutation::CreateScope(_)
            | Mutation::UpdateScope(..)
            | Mutation::ReactivateScope(..)
            | Mutation::DeactivateScope(_) => Area::Scopes,
            Mutation::Grant(n, _) | Mutation::Revoke(n, _) => Area::Grants(n.clone()),
            Mutation::CreateClient(_) | Mutation::UpdateClient(..) | Mutation::DeleteClient(_) => {
                Area::Clients
            }
            Mutation::AddKey(id, _) | Mutation::DeleteKey(id, _) => Area::KeysOf(id.clone()),
            Mutation::GenerateKey(k) => Area::KeysOf(k.client.clone()),
            Mutation::RotateKey(r) => Area::KeysOf(r.key.client.clone()),
            Mutation::ApplyPlan(_) => Area::All,
            Mutation::Changes(list) => match list.as_slice() {
                [one] => Mutation::Apply(Box::new(one.clone())).area(),
                // Several scopes: every count, and the requests with them.
                _ => Area::Access,
            },
            Mutation::Apply(c) => match c.touches() {
                changes::Touched::Scopes => Area::Scopes,
                changes::Touched::Grants(scope) => Area::Grants(scope),
                changes::Touched::Clients => Area::Clients,
                changes::Touched::Keys(id) => Area::KeysOf(id),
            },
        }
    }

    /// The engine's changes this request is, when it is that simple (keys from files and
    /// generated keys are worked out by the runner first).
    fn change(&self) -> Option<Change> {
        Some(match self.clone() {
            Mutation::CreateScope(scope) => Change::CreateScope { scope },
            Mutation::UpdateScope(name, scope) => Change::UpdateScope { name, scope },
            Mutation::ReactivateScope(name, scope) => Change::ReactivateScope { name, scope },
            Mutation::DeactivateScope(name) => Change::DeactivateScope { name },
            Mutation::Revoke(scope, consumer) => Change::Revoke { scope, consumer },
            Mutation::CreateClient(client) => Change::CreateClient { client },
            Mutation::UpdateClient(id, client) => Change::UpdateClient { id, client },
            Mutation::DeleteClient(id) => Change::DeleteClient { id },
            Mutation::DeleteKey(client, kid) => Change::RemoveKey { client, kid },
            Mutation::Apply(change) => *change,
            Mutation::ApplyPlan(_) | Mutation::Changes(_) => return None,
            Mutation::Grant(..)
            | Mutation::AddKey(..)
            | Mutation::GenerateKey(_)
            | Mutation::RotateKey(_) => return None,
        })
    }

    /// For the status line: "create scope x:y".
    pub fn describe(&self) -> String {
        match self {
            Mutation::CreateScope(s) => format!("create scope {}:{}", s.prefix, s.subscope),
            Mutation::UpdateScope(n, _) => format!("save scope {n}"),
            Mutation::ReactivateScope(n, _) => format!("reactivate scope {n}"),
            Mutation::DeactivateScope(n) => format!("deactivate scope {n}"),
            Mutation::Grant(n, orgs) => format!("grant {n} to {}", join(orgs)),
            Mutation::Revoke(n, org) => format!("revoke {n} from {org}"),
            Mutation::CreateClient(c) => format!("create client {}", c.client_name),
            Mutation::UpdateClient(id, _) => format!("update client {id}"),
            Mutation::DeleteClient(id) => format!("delete client {id}"),
            Mutation::AddKey(id, path) => format!("add key {} to {id}", path.display()),
            Mutation::DeleteKey(id, kid) => format!("delete key {kid} of {id}"),
            Mutation::GenerateKey(k) => format!("generate a key for {}", k.client),
            Mutation::Apply(c) => c.describe(),
            Mutation::ApplyPlan(p) => format!("apply the plan ({} changes)", p.items.len()),
            Mutation::Changes(list) => match list.as_slice() {
                [one] => one.describe(),
                [first, rest @ ..] => format!("{} and {} more", first.describe(), rest.len()),
                [] => "nothing".to_owned(),
            },
            Mutation::RotateKey(r) => match &r.old {
                Some(old) => format!("rotate key {old} of {}", r.key.client),
                None => format!("rotate a key of {}", r.key.client),
            },
        }
    }
}

fn join(orgs: &[OrgNumber]) -> String {
    orgs.iter()
        .map(OrgNumber::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs requests on tokio with a clone of the API (shared pool and token cache).
pub struct Runner {
    engine: Arc<Engine>,
    tx: UnboundedSender<Action>,
    /// Issuer and token endpoint for tokens of other clients (doctor, rotation proof).
    profile: Option<Arc<Profile>>,
    /// Whether organisation names are looked up, and their cache.
    names: Arc<crate::names::Settings>,
}

impl Runner {
    pub fn new(
        api: AdminApi,
        tx: UnboundedSender<Action>,
        journal: Option<JournalTarget>,
        profile: Option<Profile>,
    ) -> Runner {
        Runner {
            engine: Arc::new(Engine::new(api, journal)),
            tx,
            profile: profile.map(Arc::new),
            names: Arc::default(),
        }
    }

    /// Look organisation names up with `settings` (without: never).
    pub fn with_names(mut self, settings: crate::names::Settings) -> Runner {
        self.names = Arc::new(settings);
        self
    }

    /// A note for the status line when the journal could not be written; "" when it could.
    fn trouble(engine: &Engine) -> String {
        let trouble = engine.take_trouble();
        if trouble.is_empty() {
            String::new()
        } else {
            format!(" ({})", trouble.join("; "))
        }
    }

    /// Start the request; its answer arrives on the channel. Non-request effects are the
    /// main loop's and are ignored here.
    pub fn spawn(&self, effect: Effect) {
        let api = self.engine.api().clone();
        let tx = self.tx.clone();
        match effect {
            Effect::Load {
                generation,
                load: Load::GrantCounts(mut names),
            } if names.len() > FIRST_SCREEN => {
                // The rows on screen come first in `names`: report their counts before the rest
                // are read, so the screen fills in one round of requests, not a whole listing.
                let rest = names.split_off(FIRST_SCREEN);
                tokio::spawn(async move {
                    for part in [names, rest] {
                        if !load_and_send(&api, generation, Load::GrantCounts(part), &tx).await {
                            return;
                        }
                    }
                });
            }
            Effect::Load { generation, load } => {
                tokio::spawn(async move { load_and_send(&api, generation, load, &tx).await });
            }
            Effect::Mutate(Mutation::RotateKey(r)) => {
                let (engine, profile) = (self.engine.clone(), self.profile.clone());
                tokio::spawn(async move {
                    let outcome = rotate(&engine, profile.as_deref(), *r).await;
                    let trouble = Self::trouble(&engine);
                    let outcome = match outcome {
                        Rotated::Failed(e) => Rotated::Failed(e + &trouble),
                        other => other,
                    };
                    let _ = tx.send(Action::Rotated(outcome));
                });
            }
            Effect::Mutate(m) => {
                let engine = self.engine.clone();
                tokio::spawn(async move {
                    let area = m.area();
                    let what = m.describe();
                    let result = mutate(&engine, m, &tx).await;
                    if result.as_ref().is_err_and(|f| f.unreachable) {
                        let _ = tx.send(Action::Reach(false));
                    }
                    let trouble = Self::trouble(&engine);
                    let (result, select) = match result {
                        Ok(done) => (
                            Ok(done.message.unwrap_or_else(|| format!("done: {what}")) + &trouble),
                            done.select,
                        ),
                        Err(e) => (Err(format!("{what} failed: {e}{trouble}")), None),
                    };
                    match &result {
                        Ok(msg) => tracing::info!(change = %what, "{msg}"),
                        Err(msg) => tracing::warn!(change = %what, "{msg}"),
                    }
                    let _ = tx.send(Action::Mutated {
                        area,
                        result,
                        select,
                    });
                });
            }
            Effect::ReadJournal => {
                let journal = self.engine.journal().cloned();
                tokio::task::spawn_blocking(move || {
                    let entries = match &journal {
                        Some(t) => t.journal.read().map_err(|e| e.to_string()),
                        None => Err("no journal here: this system has no data directory".into()),
                    };
                    let _ = tx.send(Action::Journal(entries));
                });
            }
            Effect::Plan(path) => {
                let (engine, profile) = (self.engine.clone(), self.profile.clone());
                tokio::spawn(async move {
                    let r = plan_file(&engine, profile.as_deref(), &path).await;
                    let _ = tx.send(Action::Planned(path.display().to_string(), r));
                });
            }
            Effect::Export(path) => {
                let (engine, profile) = (self.engine.clone(), self.profile.clone());
                tokio::spawn(async move {
                    let r = export_file(&engine, profile.as_deref(), &path).await;
                    let _ = tx.send(Action::Exported(r));
                });
            }
            Effect::TokenTest(req) => {
                let profile = self.profile.clone();
                tokio::spawn(async move {
                    let r = token_test(&api, profile.as_deref(), *req).await;
                    let _ = tx.send(Action::TokenTested(r));
                });
            }
            Effect::LookupNames(asked) => {
                let settings = self.names.clone();
                tokio::spawn(async move {
                    let found = crate::names::resolve(&api, &settings, asked.clone()).await;
                    let _ = tx.send(Action::Names { asked, found });
                });
            }
            Effect::Copy(_) | Effect::SwitchProfile(_) | Effect::Doctor => {}
        }
    }
}

fn text<T, E: std::fmt::Display>(r: Result<T, E>) -> Res<T> {
    r.map_err(|e| e.to_string())
}

/// Whether the requests of one load reached the server, for the OFFLINE indicator.
#[derive(Default)]
struct Reach {
    /// At least one request found no server (connect failure, timeout, broken connection).
    down: AtomicBool,
    /// At least one request got an answer, an HTTP error included.
    answered: AtomicBool,
}

impl Reach {
    fn note<T>(&self, r: Result<T, ApiError>) -> Res<T> {
        match &r {
            Err(e) if e.is_unreachable() => self.down.store(true, Ordering::Relaxed),
            _ => self.answered.store(true, Ordering::Relaxed),
        }
        text(r)
    }

    /// `Some(false)`: the server is out of reach; `Some(true)`: it answered; `None`: no
    /// request went out (an empty list, a token from the cache).
    fn verdict(&self) -> Option<bool> {
        if self.down.load(Ordering::Relaxed) {
            Some(false)
        } else {
            self.answered.load(Ordering::Relaxed).then_some(true)
        }
    }
}

/// Read `load` and send what came back (and whether the server was reached); false when the
/// UI has quit, so nobody is left to tell.
async fn load_and_send(
    api: &AdminApi,
    generation: u64,
    load: Load,
    tx: &UnboundedSender<Action>,
) -> bool {
    let reach = Reach::default();
    let data = load_data(api, load, &reach).await;
    if let Some(reached) = reach.verdict() {
        let _ = tx.send(Action::Reach(reached));
    }
    tx.send(Action::Loaded { generation, data }).is_ok()
}

async fn load_data(api: &AdminApi, load: Load, reach: &Reach) -> Loaded {
    match load {
        Load::Token => {
            // A token from the cache proves nothing about the network, so only failures count.
            let r = api.tokens().token().await.map_err(ApiError::from);
            if r.as_ref().is_err_and(ApiError::is_unreachable) {
                reach.down.store(true, Ordering::Relaxed);
            }
            Loaded::Token(text(r.map(|t| {
                TokenInfo {
                    scopes: t.scopes().to_vec(),
                    expires_at: t.expires_at(),
                    org: t
                        .claims()
                        .and_then(|c| c.consumer.orgno().map(str::to_owned)),
                }
            })))
        }
        Load::Prefixes => Loaded::Prefixes(reach.note(api.prefixes().await)),
        Load::OwnScopes => Loaded::OwnScopes(reach.note(api.own_scopes(true).await)),
        Load::PublicScopes => {
            Loaded::PublicScopes(reach.note(api.public_scopes(&PublicScopeQuery::default()).await))
        }
        Load::GrantCounts(names) => Loaded::GrantCounts(
            futures::stream::iter(names)
                .map(|n| async move {
                    let r = reach.note(api.scope_access(&n).await);
                    (String::from(n), r.map(|g| Counted::of(&g)))
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await,
        ),
        Load::Grants(name) => {
            let r = reach.note(api.scope_access(&name).await);
            Loaded::Grants(String::from(name), r)
        }
        Load::Consumer(org) => {
            let r = reach.note(api.consumer_access(&org).await);
            Loaded::Consumer(org, r)
        }
        Load::GrantedToUs => Loaded::GrantedToUs(reach.note(api.granted_to_us().await)),
        Load::Clients => Loaded::Clients(reach.note(api.clients().await)),
        Load::Jwks(ids) => Loaded::Jwks(
            futures::stream::iter(ids)
                .map(|id| async move {
                    let r = reach.note(api.jwks(&id).await);
                    (String::from(id), r)
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await,
        ),
        Load::OnBehalfOf(id) => {
            let r = reach.note(api.onbehalfof(&id).await);
            Loaded::OnBehalfOf(String::from(id), r)
        }
    }
}

/// What the scopes pane shows of one scope's grants: how many give access now, and the
/// requests waiting for an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub approved: usize,
    pub requests: Vec<ScopeAccess>,
}

impl Counted {
    pub fn of(grants: &[ScopeAccess]) -> Counted {
        Counted {
            approved: approved(grants),
            requests: grants
                .iter()
                .filter(|a| a.state == crate::api::models::AccessState::Requested)
                .cloned()
                .collect(),
        }
    }
}

/// Grants that give access now (the scopes pane's count).
pub fn approved(grants: &[ScopeAccess]) -> usize {
    grants
        .iter()
        .filter(|a| a.state == crate::api::models::AccessState::Approved)
        .count()
}

/// A failed change (its message carries Digdir's correlation id when there is one).
#[derive(Debug)]
struct Failure {
    message: String,
    /// The server could not be reached (the UI goes offline).
    unreachable: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure::from(ChangeError::Api(e))
    }
}

impl From<ChangeError> for Failure {
    fn from(e: ChangeError) -> Failure {
        Failure {
            unreachable: e.is_unreachable(),
            message: e.to_string(),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            unreachable: false,
        }
    }
}

impl From<keys::KeyError> for Failure {
    fn from(e: keys::KeyError) -> Failure {
        Failure::from(e.to_string())
    }
}

/// A change that went through.
#[derive(Default)]
struct Done {
    /// For the status line, when there is more to say than "done".
    message: Option<String>,
    /// The row to select afterwards.
    select: Option<String>,
}

impl Done {
    fn say(message: String) -> Done {
        Done {
            message: Some(message),
            select: None,
        }
    }
}

/// Do the change through the engine, which journals it.
async fn mutate(
    engine: &Engine,
    m: Mutation,
    tx: &UnboundedSender<Action>,
) -> Result<Done, Failure> {
    if let Some(change) = m.change() {
        let applied = engine.apply(&change).await?;
        return Ok(Done {
            message: Some(applied.summary),
            select: applied
                .made
                .filter(|_| !matches!(change, Change::AddKey { .. })),
        });
    }
    match m {
        Mutation::Grant(n, orgs) => grant(engine, &n, &orgs).await,
        Mutation::ApplyPlan(plan) => apply_plan(engine, &plan, tx).await,
        Mutation::Changes(list) => apply_each(engine, &list).await,
        Mutation::AddKey(id, path) => add_key(engine, &id, path).await.map(Done::say),
        Mutation::GenerateKey(req) => {
            let (jwk, jwks) = generate(engine, &req).await?;
            Ok(Done::say(format!(
                "generated key {} ({} bits) for {}; private key in {} ({} keys now)",
                jwk.kid.as_deref().unwrap_or_default(),
                req.size.bits(),
                req.client,
                req.out.display(),
                jwks.keys.len()
            )))
        }
        other => Err(Failure::from(format!(
            "{} is answered by the rotation runner",
            other.describe()
        ))),
    }
}

/// Plan `path` against the live estate: the same reading, parsing and planning as `mpadmin
/// plan`, so the view shows what the CLI would.
async fn plan_file(
    engine: &Engine,
    profile: Option<&Profile>,
    path: &std::path::Path,
) -> Result<crate::estate::Plan, String> {
    let file = path.display().to_string();
    let text = tokio::fs::read_to_string(expand_home(path))
        .await
        .map_err(|e| format!("cannot read the estate file {file}: {e}"))?;
    let parsed = crate::estate::parse(&file, &text).map_err(|e| e.to_string())?;
    let live = crate::estate::read_for(engine.api(), &parsed)
        .await
        .map_err(|e| e.to_string())?;
    let own = profile.map_or("", |p| p.client_id.as_str());
    crate::estate::plan(&parsed, &live, own).map_err(|errors| {
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("{file}: {}; nothing was changed", all.join("; "))
    })
}

/// Write the whole live estate to `path`, a new file (never over one that exists).
async fn export_file(
    engine: &Engine,
    profile: Option<&Profile>,
    path: &std::path::Path,
) -> Result<String, String> {
    use crate::estate::{Kinds, Origin};
    let organization = crate::estate::organisation(engine.api())
        .await
        .map_err(|e| e.to_string())?;
    let live = crate::estate::read_all(engine.api(), Kinds::ALL)
        .await
        .map_err(|e| e.to_string())?;
    let origin = Origin {
        organization,
        environment: profile
            .map_or("custom", Profile::environment_label)
            .to_owned(),
        at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    };
    let text = crate::estate::export(&live, Kinds::ALL, &origin);
    let path = expand_home(path);
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(text.as_bytes())
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot write {shown}: {e} (an existing file is never replaced)"))?;
    Ok(format!(
        "wrote {shown}: {} scopes, {} clients",
        live.scopes.len(),
        live.clients.len()
    ))
}

/// Apply a plan in its order with one run id, telling the view of each change as it ends.
async fn apply_plan(
    engine: &Engine,
    plan: &crate::estate::Plan,
    tx: &UnboundedSender<Action>,
) -> Result<Done, Failure> {
    let engine = engine.clone().with_run(uuid::Uuid::new_v4().to_string());
    let report = crate::estate::apply(&engine, plan, |event: crate::estate::Event<'_>| {
        let step = match event {
            crate::estate::Event::Applied { change, .. } => (change.to_owned(), Ok(())),
            crate::estate::Event::Failed(f) => (f.change.clone(), Err(f.message.clone())),
        };
        let _ = tx.send(Action::PlanStep(step.0, step.1));
    })
    .await;
    if report.failed.is_empty() {
        Ok(Done::say(format!(
            "applied the plan: {} changes",
            report.applied.len()
        )))
    } else {
        Err(Failure::from(format!(
            "{} applied, {} refused ({}), {} not attempted: apply again once fixed",
            report.applied.len(),
            report.failed.len(),
            report
                .failed
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
            report.not_attempted.len()
        )))
    }
}

/// Grant one scope to several organisations: its grants are read once, as the state each
/// change starts from; a refusal for one organisation does not stop the others.
async fn grant(engine: &Engine, scope: &ScopeName, orgs: &[OrgNumber]) -> Result<Done, Failure> {
    let rows = engine.api().scope_access(scope).await?;
    let mut failed = Vec::new();
    for org in orgs {
        let change = Change::Grant {
            scope: scope.clone(),
            consumer: org.clone(),
        };
        let row = rows.iter().find(|r| r.consumer_orgno == org.as_str());
        let before = Before::Access(row.cloned().map(Box::new));
        if let Err(e) = engine.apply_from(&change, before).await {
            failed.push(format!("{org}: {e}"));
        }
    }
    if failed.is_empty() {
        Ok(Done::say(format!("granted {scope} to {}", join(orgs))))
    } else {
        Err(Failure::from(format!(
            "{} of {} failed: {}",
            failed.len(),
            orgs.len(),
            failed.join("; ")
        )))
    }
}

/// Apply `changes` one by one through the engine; a refusal of one does not stop the others.
async fn apply_each(engine: &Engine, changes: &[Change]) -> Result<Done, Failure> {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for change in changes {
        match engine.apply(change).await {
            Ok(applied) => done.push(applied.summary),
            Err(e) => failed.push(format!("{}: {e}", change.describe())),
        }
    }
    match (done.as_slice(), failed.is_empty()) {
        ([one], true) => Ok(Done::say(one.clone())),
        (_, true) => Ok(Done::say(format!("done: {} changes", done.len()))),
        _ => Err(Failure::from(format!(
            "{} of {} failed: {}",
            failed.len(),
            changes.len(),
            failed.join("; ")
        ))),
    }
}

/// Generate the key pair and upload it beside the client's keys through the engine.
async fn generate(engine: &Engine, req: &KeyRequest) -> Result<(Jwk, Jwks), Failure> {
    let existing = engine.api().jwks(&req.client).await?.keys;
    changes::generate_and_upload(engine, &req.client, &existing, &req.spec())
        .await
        .map_err(|e| Failure::from(e.to_string()))
}

/// Load a private key file off the async threads; encrypted files need `passphrase`.
async fn load_key(
    path: PathBuf,
    passphrase: Option<Passphrase>,
) -> Result<keys::LoadedKey, String> {
    tokio::task::spawn_blocking(move || {
        let pass = passphrase.as_ref().map(|p| p.0.expose().as_bytes());
        keys::load_private_key(&expand_home(&path), pass).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// How long a rotation keeps asking while Maskinporten has not seen the new key yet.
const PROOF_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Generate -> upload beside the old key -> prove with a real token. Never deletes: a proven
/// rotation goes back to the UI, which asks about the old key.
async fn rotate(engine: &Engine, profile: Option<&Profile>, r: RotateRequest) -> Rotated {
    let api = engine.api();
    let Some(profile) = profile else {
        return Rotated::Failed(
            "this profile has no token endpoint to prove a new key with; nothing was generated"
                .into(),
        );
    };
    let id = r.key.client.clone();
    let client = match api.client(&id).await {
        Ok(c) => c,
        Err(e) => return Rotated::Failed(format!("rotate: {e}")),
    };
    let (jwk, jwks) = match generate(engine, &r.key).await {
        Ok(made) => made,
        Err(e) => return Rotated::Failed(format!("rotate: {e}")),
    };
    let new_kid = jwk.kid.clone().unwrap_or_default();
    let not_proven = |reason: String, refusal: Option<Box<keys::Refusal>>| Rotated::NotProven {
        client: id.clone(),
        new_kid: new_kid.clone(),
        old: r.old.clone(),
        file: r.key.out.clone(),
        reason,
        refusal,
    };
    let loaded = match load_key(r.key.out.clone(), r.key.passphrase.clone()).await {
        Ok(k) => k,
        Err(e) => {
            return not_proven(
                format!("the new key file could not be read back: {e}"),
                None,
            );
        }
    };
    let ctx = DoctorContext {
        profile: &profile.name,
        client_id: id.as_str(),
        client_orgno: client.client_orgno.as_deref(),
        client_keys: &jwks.keys,
        client_scopes: &client.scopes,
        requested_scopes: &r.scopes,
        kid: &new_kid,
        signing_key: &loaded.jwk,
    };
    match keys::prove(profile, &loaded.key, &ctx, PROOF_WAIT, || {}).await {
        Ok(token) => Rotated::Proven {
            report: keys::TokenReport::new(&token, &new_kid, id.as_str()),
            client: id.clone(),
            new_kid: new_kid.clone(),
            old: r.old.clone(),
        },
        Err(TokenTestError::Refused(refusal)) => not_proven(refusal.headline(), Some(refusal)),
        Err(TokenTestError::Failed(e)) => not_proven(e.to_string(), None),
    }
}

/// The token doctor: sign a grant for the client with the key file, ask Maskinporten, and
/// read the answer.
async fn token_test(
    api: &AdminApi,
    profile: Option<&Profile>,
    req: TokenTestRequest,
) -> Result<Doctored, String> {
    let profile = profile.ok_or("this profile has no token endpoint to test against")?;
    let loaded = load_key(req.key_file.clone(), req.passphrase.clone()).await?;
    let client = api.client(&req.client).await.map_err(|e| e.to_string())?;
    let client_keys = api.jwks(&req.client).await.map_err(|e| e.to_string())?.keys;
    let registered = keys::registered_kid(&loaded.jwk, &client_keys).map(str::to_owned);
    let unregistered = req.kid.is_none() && registered.is_none();
    let kid = req
        .kid
        .clone()
        .or(registered)
        .or_else(|| loaded.jwk.kid.clone())
        .unwrap_or_default();
    let ctx = DoctorContext {
        profile: &profile.name,
        client_id: req.client.as_str(),
        client_orgno: client.client_orgno.as_deref(),
        client_keys: &client_keys,
        client_scopes: &client.scopes,
        requested_scopes: &req.scopes,
        kid: &kid,
        signing_key: &loaded.jwk,
    };
    match keys::test_token(profile, &loaded.key, &ctx).await {
        Ok(token) => Ok(Doctored::Issued {
            report: keys::TokenReport::new(&token, &kid, req.client.as_str()),
            unregistered,
        }),
        Err(TokenTestError::Refused(r)) => Ok(Doctored::Refused(r)),
        Err(TokenTestError::Failed(e)) => Err(e.to_string()),
    }
}

/// Read the one public key in the file (refusing private material, filling `use`, `alg` and a
/// missing kid as `mpadmin keys add` does) and add it through the engine, which checks it
/// against the client's keys.
async fn add_key(engine: &Engine, id: &ClientId, path: PathBuf) -> Result<String, Failure> {
    let path = expand_home(&path);
    let imported = tokio::task::spawn_blocking(move || keys::read_one_key(&path, None))
        .await
        .map_err(|e| e.to_string())??;
    let findings = keys::lint(&imported, &[], chrono::Utc::now());
    let refused: Vec<String> = keys::refusals(&findings).map(ToString::to_string).collect();
    if !refused.is_empty() {
        return Err(Failure::from(refused.join("; ")));
    }
    let change = Change::AddKey {
        client: id.clone(),
        jwk: Box::new(imported.jwk),
        replaces: Vec::new(),
    };
    let mut msg = engine.apply(&change).await?.summary;
    let warnings: Vec<String> = findings.iter().map(ToString::to_string).collect();
    if !warnings.is_empty() {
        msg.push_str(&format!("; note: {}", warnings.join("; ")));
    }
    Ok(msg)
}

/// `~/keys/a.pem` -> `$HOME/keys/a.pem`, as a shell would.
fn expand_home(p: &std::path::Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}
