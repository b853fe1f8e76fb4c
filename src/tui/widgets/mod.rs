//! Building blocks shared by the panes.

pub mod cmdline;
pub mod confirm;
pub mod form;
pub mod help;
pub mod status;
pub mod table;

use ratatui::layout::Rect;

/// A box of at most `w` x `h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
