//! A log pane's bounded scrollback: a ring buffer of lines plus a scroll position. The full
//! log is on disk in `.kubewiz/logs/<node>.log`; the pane keeps the last [`LOG_CAPACITY`]
//! lines and at most [`LOG_BYTE_BUDGET`] bytes, with each line cut at [`MAX_LINE_BYTES`]
//! (a pane has no horizontal scroll), so memory stays bounded whatever the nodes print
//! (JSON, base64, progress meters joined into one line).

use std::collections::VecDeque;

pub const LOG_CAPACITY: usize = 2000;
/// Bytes of text a pane keeps at most (besides the line count).
pub const LOG_BYTE_BUDGET: usize = 256 * 1024;
/// A longer line is cut here, with a marker; the log file on disk keeps it whole.
pub const MAX_LINE_BYTES: usize = 1024;

#[derive(Debug, Clone)]
pub struct LogPane {
    lines: VecDeque<String>,
    capacity: usize,
    /// Bytes of text held in `lines`.
    bytes: usize,
    /// Lines dropped from the front since the pane was created.
    pub dropped: u64,
    /// How many lines above the tail the view's bottom line is (0 = at the tail).
    offset: usize,
    /// Follow the tail as lines arrive.
    pub follow: bool,
}

impl Default for LogPane {
    fn default() -> Self {
        LogPane::with_capacity(LOG_CAPACITY)
    }
}

impl LogPane {
    pub fn with_capacity(capacity: usize) -> LogPane {
        LogPane {
            lines: VecDeque::with_capacity(capacity.min(256)),
            capacity: capacity.max(1),
            bytes: 0,
            dropped: 0,
            offset: 0,
            follow: true,
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn push(&mut self, line: impl Into<String>) {
        let line = cut(sanitize(line.into()));
        while !self.lines.is_empty()
            && (self.lines.len() == self.capacity || self.bytes + line.len() > LOG_BYTE_BUDGET)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len();
            }
            self.dropped += 1;
        }
        self.bytes += line.len();
        self.lines.push_back(line);
        if self.follow {
            self.offset = 0;
        } else {
            // Keep the view on the same lines while new ones arrive below it.
            self.offset = (self.offset + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// Scroll up (towards older lines) by `n` for a view about `height` rows tall; stops
    /// following.
    pub fn scroll_up(&mut self, n: usize, height: usize) {
        self.follow = false;
        self.offset = (self.offset + n).min(self.lines.len().saturating_sub(height.max(1)));
    }

    /// Scroll down by `n`; reaching the tail resumes following.
    pub fn scroll_down(&mut self, n: usize) {
        self.offset = self.offset.saturating_sub(n);
        if self.offset == 0 {
            self.follow = true;
        }
    }

    pub fn home(&mut self, height: usize) {
        self.follow = false;
        self.offset = self.lines.len().saturating_sub(height.max(1));
    }

    pub fn end(&mut self) {
        self.follow = true;
        self.offset = 0;
    }

    pub fn toggle_follow(&mut self) {
        if self.follow {
            self.follow = false;
        } else {
            self.end();
        }
    }

    /// Lines between the bottom of the view and the tail, for a view `height` rows tall.
    pub fn offset(&self, height: usize) -> usize {
        self.offset.min(self.lines.len().saturating_sub(height))
    }

    /// The lines visible in a view `height` rows tall: only these are rendered, so a pane
    /// costs O(height) to draw whatever its scrollback.
    pub fn visible(&self, height: usize) -> impl Iterator<Item = &str> {
        let len = self.lines.len();
        // Never scroll past the top: the view stays full when scrolled back.
        let offset = self.offset.min(len.saturating_sub(height));
        let bottom = len.saturating_sub(offset);
        let top = bottom.saturating_sub(height);
        self.lines.range(top..bottom).map(String::as_str)
    }

    pub fn last(&self) -> Option<&str> {
        self.lines.back().map(String::as_str)
    }
}

/// Cuts a line at [`MAX_LINE_BYTES`] (on a character boundary), marking the cut.
fn cut(mut s: String) -> String {
    if s.len() <= MAX_LINE_BYTES {
        return s;
    }
    let mut end = MAX_LINE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(" …(cut; whole line in the log file)");
    // truncate keeps the whole allocation: give the rest back, or the budget lies.
    s.shrink_to_fit();
    s
}

/// Tabs become spaces and control characters (terminal escapes from remote output) are
/// dropped so a line cannot move the cursor or recolour the screen.
fn sanitize(s: String) -> String {
    if !s.chars().any(|c| c.is_control()) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_the_byte_budget_holds() {
        let mut p = LogPane::default();
        for i in 0..2000 {
            p.push(format!("{i} {}", "é".repeat(2000)));
        }
        assert!(p.bytes <= LOG_BYTE_BUDGET, "{}", p.bytes);
        let held: usize = p.lines.iter().map(String::len).sum();
        assert_eq!(held, p.bytes);
        assert!(p.last().unwrap().starts_with("1999 "));
        assert!(p.last().unwrap().ends_with("whole line in the log file)"));
        assert!(p.last().unwrap().len() < MAX_LINE_BYTES + 64);
        // Short lines still fill the line capacity.
        let mut q = LogPane::default();
        for i in 0..5000 {
            q.push(format!("line {i}"));
        }
        assert_eq!(q.len(), LOG_CAPACITY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_follows() {
        let mut p = LogPane::with_capacity(3);
        for i in 0..5 {
            p.push(format!("l{i}"));
        }
        assert_eq!(p.len(), 3);
        assert_eq!(p.dropped, 2);
        assert_eq!(p.visible(2).collect::<Vec<_>>(), ["l3", "l4"]);
        p.scroll_up(1, 1);
        assert!(!p.follow);
        assert_eq!(p.visible(2).collect::<Vec<_>>(), ["l2", "l3"]);
        p.push("l5");
        p.end();
        assert_eq!(p.visible(1).collect::<Vec<_>>(), ["l5"]);
    }

    #[test]
    fn strips_escapes() {
        let mut p = LogPane::default();
        p.push("a\x1b[31mred\tb");
        assert_eq!(p.last(), Some("a[31mred    b"));
        // C1 controls (U+009B is a one-character CSI to some terminals) and DEL go too;
        // other characters of the same UTF-8 lead byte stay (U+00B7).
        p.push("x\u{9b}31my\u{7f}z · ok");
        assert_eq!(p.last(), Some("x31myz · ok"));
        p.push("plain ascii and ünïcode");
        assert_eq!(p.last(), Some("plain ascii and ünïcode"));
    }
}
