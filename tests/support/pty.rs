//! The real `medcode` binary in a pseudo-terminal: started with its own data
//! and config folders, its output arriving as chunks of bytes. The TUI tests
//! read it through a vt100 screen; `benches/tui.rs` (which includes this file)
//! times it.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};

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
