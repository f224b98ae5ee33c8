//! `fogbank bench`: the FIRST cold start of a freshly started fogbank, per runtime, beside the
//! bare interpreter's start-to-exit. Each measurement starts the binary anew (with the same
//! per-user cache any run of fogbank uses), creates one no-op function and times its first
//! invoke. A first round, not counted, stands for the earlier runs of fogbank on the machine.

use std::io;

use super::{Conn, lambda, verdict};

/// One runtime's figures.
pub struct FreshFigures {
    pub runtime: &'static str,
    /// Median over the counted rounds of a fresh server's first invoke, wall clock.
    pub first_ms: f64,
    pub interpreter_ms: f64,
}

const ROUNDS: usize = 3;

/// Measure every runtime this host can run.
pub async fn measure() -> io::Result<Vec<FreshFigures>> {
    let mut out = Vec::new();
    for &(runtime, file, source, interp) in lambda::RUNTIMES {
        if !lambda::available(interp.0) {
            continue;
        }
        let mut firsts = Vec::new();
        for round in 0..=ROUNDS {
            let (mut child, addr, _) = super::start_child().await?;
            let first = async {
                let mut c = Conn::open(addr).await?;
                lambda::create_function(&mut c, "fresh", runtime, file, source).await?;
                lambda::invoke_ms(&mut c, "fresh").await
            }
            .await;
            // A graceful stop: the scratch directory is removed, as after any run.
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: sends SIGTERM to the child this function started.
                unsafe {
                    libc::kill(pid, libc::SIGTERM);
                }
            }
            let _ = tokio::task::spawn_blocking(move || child.wait()).await;
            let first = first?;
            if round > 0 {
                firsts.push(first);
            }
        }
        out.push(FreshFigures {
            runtime,
            first_ms: lambda::median(firsts),
            interpreter_ms: lambda::interpreter_ms(interp.0, interp.1),
        });
    }
    Ok(out)
}

/// The rows of the bench's table.
pub fn print(figures: &[FreshFigures]) {
    for f in figures {
        println!(
            "{:<44} {:>14.1} {:>18}",
            format!("{} fresh server 1st cold start ms", f.runtime),
            f.first_ms,
            format!(
                "<= {:.0} {}",
                f.interpreter_ms + 10.0,
                verdict(f.first_ms <= f.interpreter_ms + 10.0)
            )
        );
        println!(
            "{:<44} {:>14.1} {:>18}",
            "  bare interpreter start-to-exit ms", f.interpreter_ms, "-"
        );
    }
}
