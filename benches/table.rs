//! One frame (render + diff) of a 100 000-row table with a filter active, and one key typed into
//! the filter box at that size. Budgets: 2 ms per frame, 16 ms per key (issue 6).

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mpadmin::tui::theme::Theme;
use mpadmin::tui::widgets::table::{Column, FilterTable, Row, col, num};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Constraint;

const ROWS: usize = 100_000;
static COLUMNS: [Column; 3] = [
    col("scope", Constraint::Fill(2)),
    col("org", Constraint::Length(11)),
    num("grants", Constraint::Length(7)),
];

fn table() -> FilterTable {
    let mut t = FilterTable::new(&COLUMNS);
    t.set_rows(
        (0..ROWS)
            .map(|i| {
                let name = format!("acme:scope-{i:06}");
                Row::new(
                    name.clone(),
                    vec![name, "991825827".into(), (i % 40).to_string()],
                )
            })
            .collect(),
    );
    t
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn type_filter(t: &mut FilterTable, text: &str) {
    t.start_filter();
    text.chars().for_each(|c| t.filter_key(key(c)));
}

fn frame(c: &mut Criterion) {
    let theme = Theme::new(true);
    let mut t = table();
    // "scope-0" keeps 10 000 of the 100 000 rows: a filter that still leaves a long list.
    type_filter(&mut t, "scope-0");
    let mut term = match Terminal::new(TestBackend::new(120, 40)) {
        Ok(term) => term,
        Err(e) => panic!("test backend: {e}"),
    };
    let mut down = true;
    c.bench_function("frame_100k_rows_filtered", |b| {
        b.iter(|| {
            // Move the selection each frame so every draw has a real diff to flush.
            t.move_by(if down { 1 } else { -1 }, 37);
            down = !down;
            if let Err(e) = term.draw(|f| t.render(f, f.area(), "Scopes", "none", &theme)) {
                panic!("draw: {e}");
            }
        })
    });
}

fn filter_key(c: &mut Criterion) {
    let base = table();
    // The worst key: the first one, which scans all 100 000 rows.
    c.bench_function("filter_first_key_100k_rows", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |t| type_filter(t, "7"),
            criterion::BatchSize::LargeInput,
        )
    });
    let mut narrowed = base.clone();
    type_filter(&mut narrowed, "scope-0");
    c.bench_function("filter_next_key_100k_rows", |b| {
        b.iter_batched_ref(
            || narrowed.clone(),
            |t| t.filter_key(key('7')),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, frame, filter_key);
criterion_main!(benches);
