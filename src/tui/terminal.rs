//! Taking the terminal over and giving it back: raw mode, alternate screen, mouse capture and
//! bracketed paste go on together and come off together — on quit, on error (the guard's
//! `Drop`), on panic (the hook restores before the panic message prints) and on SIGTERM,
//! SIGHUP, SIGINT and SIGQUIT (`stop_signal` ends the loop, then the guard drops).

use std::io::{self, Stdout, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, however the UI ends.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn init() -> io::Result<TerminalGuard> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    match Terminal::new(CrosstermBackend::new(out)) {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Undo everything `init` did. Best effort: there is nowhere left to report a failure.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Resolves with the signal's number when the process is asked to stop (SIGTERM, or SIGINT
/// and SIGQUIT sent by `kill`, `timeout` or a supervisor: typed in the UI, Ctrl-C and Ctrl-\
/// are keys, as raw mode turns the terminal's signal keys off) or its terminal hangs up
/// (SIGHUP). Listening replaces the default "die at once", which would leave the terminal raw
/// and on the alternate screen; the caller ends the UI and restores instead.
#[cfg(unix)]
pub fn stop_signal() -> io::Result<impl Future<Output = u8>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => 15u8,
            _ = hup.recv() => 1,
            _ = int.recv() => 2,
            _ = quit.recv() => 3,
        }
    })
}

/// No Unix signals here: never resolves.
#[cfg(not(unix))]
pub fn stop_signal() -> io::Result<impl Future<Output = u8>> {
    Ok(std::future::pending())
}

/// Put text on the user's clipboard with OSC 52 (works over SSH in most terminals).
pub fn copy_to_clipboard(text: &str) {
    use crossterm::clipboard::CopyToClipboard;
    let _ = execute!(stdout(), CopyToClipboard::to_clipboard_from(text));
}
