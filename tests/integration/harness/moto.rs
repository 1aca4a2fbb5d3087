//! One moto server per test binary, on a free loopback port, installed by scripts/ensure-moto.sh
//! when missing. It exits when this process does (its stdin closes). A flow that must count
//! everything in the account (the CLI killed mid-way) starts its own with `Moto::start`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct Moto {
    pub port: u16,
    _child: Mutex<Child>,
}

impl Moto {
    /// A moto of the caller's own, stopped when it is dropped.
    pub fn start() -> Moto {
        start()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The shared moto server; started on first use. Panics with the reason when it cannot start:
/// a test never passes without its emulator.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(start)
}

fn start() -> Moto {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = match std::env::var("TAP_MOTO_PYTHON") {
        Ok(p) => p,
        Err(_) => {
            let out = Command::new("bash")
                .arg(root.join("scripts/ensure-moto.sh"))
                .stderr(Stdio::inherit())
                .output()
                .expect("run scripts/ensure-moto.sh");
            assert!(out.status.success(), "scripts/ensure-moto.sh failed: moto cannot be installed");
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }
    };
    let mut child = Command::new(&python)
        .arg(root.join("scripts/moto-server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto with {python}: {e}"));
    let stdout = child.stdout.take().expect("moto stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read moto's port");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("moto did not report a port (got {line:?})"));
    Moto { port, _child: Mutex::new(child) }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(mut child) = self._child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
