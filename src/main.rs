//! `pulumi-resource-tap`: binds 127.0.0.1:0, prints the port on stdout (and nothing else), and
//! serves the provider until the engine closes it (SIGINT/SIGTERM).
//!
//! argv: optional flags (`--logtostderr`, `-v=N`, `--tracing <url>`), then the engine address as
//! the last argument. No address at all means debug-attach mode: the engine dials us and calls
//! Attach. `--schema` alone prints the schema the code declares (for `make schema`).

use std::io::Write;
use std::process::ExitCode;

fn engine_address(args: &[String]) -> Option<String> {
    let mut positional = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--tracing" || arg == "-tracing" {
            iter.next();
        } else if !arg.starts_with('-') {
            positional.push(arg.clone());
        }
    }
    positional.pop()
}

/// Listens for SIGINT and SIGTERM (Ctrl-C elsewhere). Called before the port is printed: a signal
/// sent as soon as the engine reads the port must not land before tap listens for it (tokio
/// would miss one that arrives while its listener is being registered).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (mut interrupt, mut term) = (signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?);
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

fn main() -> ExitCode {
    // `make schema`: the schema the code declares (the engine never passes this flag).
    if std::env::args().nth(1).as_deref() == Some("--schema") {
        print!("{}", tap::schema());
        return ExitCode::SUCCESS;
    }
    let filter = std::env::var("TAP_LOG").unwrap_or_else(|_| "warn".to_string());
    let _ = tracing::subscriber::set_global_default(tap::diagnostics(&filter, std::io::stderr));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let engine = engine_address(&args);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pulumi-resource-tap: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("pulumi-resource-tap: cannot listen on 127.0.0.1: {e}");
                return ExitCode::FAILURE;
            }
        };
        let shutdown = match shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("pulumi-resource-tap: cannot listen for signals: {e}");
                return ExitCode::FAILURE;
            }
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{port}").and_then(|_| stdout.flush()).is_err() {
            return ExitCode::FAILURE;
        }
        drop(stdout);
        match tap::serve(listener, engine, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "server failed");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::engine_address;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_engine_address_is_the_last_positional_argument() {
        assert_eq!(engine_address(&args(&["127.0.0.1:1234"])).as_deref(), Some("127.0.0.1:1234"));
        assert_eq!(
            engine_address(&args(&["--logtostderr", "-v=9", "--tracing", "http://t", "127.0.0.1:5"])).as_deref(),
            Some("127.0.0.1:5")
        );
        assert_eq!(engine_address(&args(&[])), None);
    }
}
