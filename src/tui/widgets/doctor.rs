//! `:doctor`: the doctor's report as a scrolling overlay, one line per check (the status in
//! the label column), as `mpadmin doctor` prints it.

use super::help::Overlay;
use crate::doctor::Report;

pub fn overlay(report: &Report) -> Overlay {
    let lines = report
        .checks
        .iter()
        .map(|c| {
            let mut line = format!("{}: {}", c.title, c.detail);
            if let Some(fix) = &c.fix {
                line.push_str(&format!(" · fix: {fix}"));
            }
            (c.status.label().to_owned(), line)
        })
        .collect();
    let profile = report
        .profile
        .as_deref()
        .map(|p| format!(" of profile {p}"))
        .unwrap_or_default();
    Overlay::new(format!("Doctor{profile}: {}", report.summary()), lines)
}
