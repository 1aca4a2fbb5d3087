//! The shared moto servers, one per test running at once, each on a free loopback port, installed
//! by scripts/ensure-moto.sh when missing. They exit when this process does (their stdin closes).
//! A flow that must count everything in the account (the CLI killed mid-way) starts its own with
//! `Moto::start`.
//!
//! Why several: moto answers a describe by walking everything its region holds, so one moto that
//! every test of the suite fills answers ever more slowly (a lifecycle that takes 14 s alone took
//! 118 s late in the suite). Tests take the shared motos in turn, and each keeps to one.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

pub struct Moto {
    pub port: u16,
    _child: Mutex<Child>,
    /// Whether the shared settings are set on this moto (see `seed_shared_moto`).
    pub(crate) seeded: tokio::sync::OnceCell<()>,
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

/// The shared moto of the calling test, started on its first use. A test keeps to the one it
/// first reached: libtest runs each test on a thread of its own, and `#[tokio::test]` keeps the
/// test's tasks on it. Panics with the reason when moto cannot start: a test never passes without
/// its emulator.
pub fn moto() -> &'static Moto {
    static POOL: OnceLock<Vec<OnceLock<Moto>>> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: Cell<Option<usize>> = const { Cell::new(None) };
    }
    let pool = POOL.get_or_init(|| (0..pool_size()).map(|_| OnceLock::new()).collect());
    let mine = MINE.with(|m| match m.get() {
        Some(i) => i,
        None => {
            let i = NEXT.fetch_add(1, Ordering::Relaxed) % pool.len();
            m.set(Some(i));
            i
        }
    });
    pool[mine].get_or_init(start)
}

/// As many shared motos as tests run at once (`TAP_TEST_MOTOS` overrides).
fn pool_size() -> usize {
    let from = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0);
    from("TAP_TEST_MOTOS")
        .or_else(|| from("RUST_TEST_THREADS"))
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
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
    Moto { port, _child: Mutex::new(child), seeded: tokio::sync::OnceCell::const_new() }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Ok(mut child) = self._child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
