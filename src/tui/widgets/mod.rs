//! Building blocks shared by the panes.

pub mod cmdline;
pub mod confirm;
pub mod doctor;
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

/// Lines `text` takes when word-wrapped at `width` columns (a word longer than a line is
/// broken, as ratatui's `Wrap` does).
pub fn wrapped_lines(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        let needed = if used == 0 { len } else { used + 1 + len };
        if needed <= width {
            used = needed;
        } else {
            lines += usize::from(used > 0) + (len.saturating_sub(1)) / width;
            used = (len - 1) % width + 1;
        }
    }
    u16::try_from(lines).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn counts_word_wrapped_lines() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("abc def", 7), 1);
        assert_eq!(wrapped_lines("abc defg", 7), 2);
        assert_eq!(wrapped_lines("abcdefghijklmno", 5), 3);
        assert_eq!(wrapped_lines("ab abcdefghij x", 5), 4);
    }
}
