//! The plan of an estate file as a view (`:plan FILE`): changes grouped by kind with
//! Terraform's symbols, each row pending, done or refused while `A` applies it.

use std::collections::HashMap;

use super::keymap::{Cmd, Keymap};
use super::panes::PaneId;
use super::widgets::help::Overlay;
use crate::estate::{Plan, Symbol};

#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    pub file: String,
    pub plan: Plan,
    /// How each change ended, by its description, as the apply reports it.
    steps: HashMap<String, Result<(), String>>,
    pub applying: bool,
    /// Each change's fields shown under it (Enter).
    pub expanded: bool,
    /// "A: apply · Enter: fields", from the keymap.
    hint: String,
    pub overlay: Overlay,
}

impl PlanView {
    pub fn new(file: String, plan: Plan, keymap: &Keymap, pane: PaneId) -> PlanView {
        let hint = format!(
            "{}: apply · Enter: fields",
            keymap.key(pane, Cmd::ApplyPlan)
        );
        let mut view = PlanView {
            file,
            plan,
            steps: HashMap::new(),
            applying: false,
            expanded: false,
            hint,
            overlay: Overlay::new(String::new(), Vec::new()),
        };
        view.redraw();
        view
    }

    /// One change of the apply ended.
    pub fn step(&mut self, change: String, result: Result<(), String>) {
        self.steps.insert(change, result);
        self.redraw();
    }

    /// The lines from the plan and the progress, keeping the scroll position.
    pub fn redraw(&mut self) {
        let scroll = self.overlay.scroll;
        let mut lines: Vec<(String, String)> = Vec::new();
        for (kind, title) in [
            (Kind::Scope, "Scopes"),
            (Kind::Grant, "Grants"),
            (Kind::Client, "Clients"),
            (Kind::Key, "Keys"),
        ] {
            let items: Vec<_> = self
                .plan
                .items
                .iter()
                .filter(|i| Kind::of(&i.change) == kind)
                .collect();
            if items.is_empty() {
                continue;
            }
            lines.push((String::new(), format!("{title} ({})", items.len())));
            for item in items {
                let what = item.describe();
                let status = match self.steps.get(&what) {
                    Some(Ok(())) => "done".to_owned(),
                    Some(Err(e)) => format!("refused: {e}"),
                    None if self.applying => "pending".to_owned(),
                    None => String::new(),
                };
                let symbol = match item.symbol() {
                    Symbol::Add => "+",
                    Symbol::Change => "~",
                    Symbol::Remove => "-",
                };
                let row = if status.is_empty() {
                    what
                } else {
                    format!("{what}  [{status}]")
                };
                lines.push((symbol.to_owned(), row));
                if self.expanded {
                    for f in &item.fields {
                        lines.push((
                            String::new(),
                            format!("      {}: {} -> {}", f.field, f.old, f.new),
                        ));
                    }
                }
            }
        }
        for w in &self.plan.warnings {
            lines.push(("warning".to_owned(), w.clone()));
        }
        lines.push((String::new(), crate::estate::summary(self.plan.counts())));
        let title = format!("Plan of {} · {}", self.file, self.hint);
        self.overlay = Overlay::new(title, lines);
        self.overlay.scroll = scroll.min(self.overlay.lines.len().saturating_sub(1) as u16);
    }
}

/// How the view groups changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scope,
    Grant,
    Client,
    Key,
}

impl Kind {
    fn of(change: &crate::changes::Change) -> Kind {
        match change.touches() {
            crate::changes::Touched::Scopes => Kind::Scope,
            crate::changes::Touched::Grants(_) => Kind::Grant,
            crate::changes::Touched::Clients => Kind::Client,
            crate::changes::Touched::Keys(_) => Kind::Key,
        }
    }
}
