//! The real `medcode` binary in a pseudo-terminal: started with its own data
//! and config folders, its output arriving as chunks of bytes. The TUI tests
//! read it through a vt100 screen; `benches/tui.rs` (which includes this file)
//! times it.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

pub struct Pty {
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    /// What the program wrote to the terminal, in the chunks it was read in.
    pub output: Receiver<Vec<u8>>,
}

/// `medcode` for a pseudo-terminal, with `data` and `config` as its folders.
pub fn command(data: &Path, config: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_medcode"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("MEDCODE_DATA", data);
    cmd.env("MEDCODE_CONFIG", config);
    cmd
}

impl Pty {
    /// Start `cmd` in a `cols` x `rows` pseudo-terminal.
    pub fn spawn(cols: u16, rows: u16, cmd: CommandBuilder) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("open a pseudo-terminal");
        let child = pty.slave.spawn_command(cmd).expect("start medcode");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = vec![0u8; 1 << 16];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty { writer, child, output }
    }

    /// Type `bytes`.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }
}

/// The program in a pseudo-terminal read back through a vt100 screen: what
/// the end-to-end tests type into and wait on.
pub struct Screen {
    pub pty: Pty,
    parser: Mutex<vt100::Parser>,
    raw: Mutex<Vec<u8>>,
}

impl Screen {
    /// Start `cmd` in a `cols` x `rows` pseudo-terminal.
    pub fn spawn(cols: u16, rows: u16, cmd: CommandBuilder) -> Screen {
        let size = |n: u16| NonZeroU16::new(n).expect("a terminal size above 0");
        Screen {
            pty: Pty::spawn(cols, rows, cmd),
            parser: Mutex::new(vt100::Parser::new(size(rows), size(cols), 0)),
            raw: Mutex::new(Vec::new()),
        }
    }

    /// Read what has arrived onto the screen.
    pub fn pump(&self) {
        let (mut parser, mut raw) = (self.parser.lock().expect("screen"), self.raw.lock().expect("raw"));
        while let Ok(chunk) = self.pty.output.try_recv() {
            parser.process(&chunk);
            raw.extend_from_slice(&chunk);
        }
    }

    pub fn contents(&self) -> String {
        self.with_screen(|s| s.contents())
    }

    /// Look at the screen as it is now.
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        self.pump();
        f(self.parser.lock().expect("screen").screen())
    }

    /// Every byte the program wrote so far, as text.
    pub fn raw(&self) -> String {
        self.pump();
        String::from_utf8_lossy(&self.raw.lock().expect("raw")).into_owned()
    }

    pub fn send(&mut self, text: &str) {
        self.pty.send(text.as_bytes());
        if text.ends_with('\x1b') {
            // A lone Esc: give it time to be read as Esc, not as Alt with the next key.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Wait until the screen shows `text` (generous: the debug binary parses the code sets first).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let c = self.contents();
            if c.contains(text) {
                return c;
            }
            assert!(start.elapsed() < Duration::from_secs(90), "`{text}` never appeared; screen:\n{c}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.pty.child.try_wait().expect("wait for medcode") {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "medcode did not exit; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
