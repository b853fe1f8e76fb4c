//! `mpadmin doctor`: every check between the user and a working session, one line each, with
//! the fix. Exit 0 when nothing failed (warnings allowed), 1 when something did.

use std::process::ExitCode;
use std::sync::Arc;

use super::GlobalArgs;
use super::output::{Output, clean};
use crate::auth::SystemPasswords;
use crate::doctor::{self, Report, Setup};

pub fn run(global: &GlobalArgs) -> ExitCode {
    let setup = Setup {
        read_only: global.read_only,
        ..Setup::new(
            global.keys.clone(),
            global.profile.clone(),
            Arc::new(SystemPasswords),
        )
    };
    let report = match super::commands::runtime() {
        Ok(rt) => rt.block_on(doctor::run(&setup)),
        Err(e) => {
            super::commands::warn(&e.to_string());
            return ExitCode::from(1);
        }
    };
    let mut out = Output::stdout(global.json);
    if let Err(e) = out.show(&report, render) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            super::commands::warn(&format!("could not write the output: {e}"));
        }
        return ExitCode::from(1);
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `ok    title   detail`, the fix indented below, and a summary line.
pub fn render(report: &Report) -> String {
    let width = report
        .checks
        .iter()
        .map(|c| c.title.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in &report.checks {
        let title = clean(&c.title);
        let pad = " ".repeat(width - c.title.chars().count());
        out.push_str(&format!(
            "{:<4}  {title}{pad}  {}\n",
            c.status.label(),
            clean(&c.detail)
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!(
                "{:<4}  {}  fix: {}\n",
                "",
                " ".repeat(width),
                clean(fix)
            ));
        }
    }
    out.push_str(&report.summary());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{Check, Status};

    #[test]
    fn lines_align_and_fixes_go_below() {
        let report = Report {
            profile: Some("p".into()),
            checks: vec![
                Check {
                    id: "a",
                    title: "clock".into(),
                    status: Status::Ok,
                    detail: "within 1 s".into(),
                    fix: None,
                },
                Check {
                    id: "b",
                    title: "admin token".into(),
                    status: Status::Fail,
                    detail: "refused\u{1b}[2J".into(),
                    fix: Some("do this".into()),
                },
            ],
        };
        assert_eq!(
            render(&report),
            "ok    clock        within 1 s\n\
             fail  admin token  refused\\u{1b}[2J\n\
             \x20                  fix: do this\n\
             1 ok, 0 warn, 1 fail, 0 skip\n"
        );
    }
}
