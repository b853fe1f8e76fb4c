//! Reading the grants of all 200 scopes with 50 ms latency on every request, as the scopes
//! pane's grant counts (and a refresh of the access pane) do: the UI's effect runner against
//! the emulator over loopback. Budget: 2.5 s (issue 6); one request after another would take
//! at least 10 s.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mpadmin::api::types::ScopeName;
use mpadmin::tui::action::Action;
use mpadmin::tui::effect::{Effect, Load, Loaded, Runner};

mod support;
use support::{fail, seeded_emulator};

const SCOPES: usize = 200;
const LATENCY: Duration = Duration::from_millis(50);

fn grants(c: &mut Criterion) {
    let (rt, _dir, emu) = seeded_emulator(SCOPES);
    let profile = mpadmin::config::load(Some(&emu.keys_toml()), Some("emulator"))
        .unwrap_or_else(|e| fail("profile", e));
    let api = mpadmin::api::connect(&profile).unwrap_or_else(|e| fail("connect", e));
    let names: Vec<ScopeName> = rt
        .block_on(api.own_scopes(false))
        .unwrap_or_else(|e| fail("own scopes", e))
        .iter()
        .filter_map(|s| s.name.parse().ok())
        .collect();
    assert_eq!(names.len(), SCOPES);
    emu.faults().set_latency(LATENCY);

    let mut group = c.benchmark_group("access");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("grants_200_scopes_50ms_latency", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let runner = Runner::new(api.clone(), tx, None, None);
                runner.spawn(Effect::Load {
                    generation: 1,
                    load: Load::GrantCounts(names.clone()),
                });
                while let Some(action) = rx.recv().await {
                    if let Action::Loaded {
                        data: Loaded::GrantCounts(list),
                        ..
                    } = action
                    {
                        assert_eq!(list.len(), SCOPES);
                        assert!(list.iter().all(|(_, r)| r.is_ok()));
                        return;
                    }
                }
                fail("runner", "no answer");
            })
        })
    });
    group.finish();
}

criterion_group!(benches, grants);
criterion_main!(benches);
