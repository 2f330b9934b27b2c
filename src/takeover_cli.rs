//! `flightdeck run FILE --share URL --resume RUN` on a machine that does not have RUN: wait
//! for the run's lease, take it (typing the run id when it expired without a handoff), pull
//! the shared run into this data dir; `run` then resumes it as any local run.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::bail;
use flightdeck::journal::EventKind;
use flightdeck::share::{self, takeover};

/// Pulls RUN from the share into `home`; returns its folder and, for a takeover of an expired
/// lease, the handoff event to journal (from the old captain to `operator`).
pub fn pull(
    share_arg: &str,
    spec: &str,
    home: &Path,
    operator: &str,
) -> anyhow::Result<(PathBuf, Option<EventKind>)> {
    let url = share::resolve_url(Some(share_arg)).map_err(anyhow::Error::msg)?;
    share::check_url_syntax(&url).map_err(anyhow::Error::msg)?;
    let shown = share::display_url(&url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let err = |e: share::ShareError| anyhow::anyhow!("{shown}: {e}");
    rt.block_on(async {
        let db = share::connect(&url).await.map_err(err)?;
        let row = share::timed(share::remote::find(&db.client, spec))
            .await
            .map_err(err)?;
        let run_id = row.run_id.clone();
        let dir = takeover::run_dir(home, &run_id).map_err(err)?;
        if dir.exists() {
            bail!(
                "{}: run {run_id} is here already; resume it with `--resume {run_id}`",
                dir.display()
            );
        }
        let me = share::pusher::lease_holder(&dir);
        let lease = takeover::wait_for_lease(&url, &run_id, &me, |holder, until| {
            eprintln!(
                "flightdeck: waiting for run {run_id}: its captain's cockpit ({holder}) holds the lease until {until} UTC; it is free once they hand off (H) and quit. Ctrl-C stops waiting."
            );
        })
        .await
        .map_err(err)?;
        // A step still running on the old captain's machine: taking over now would fork the
        // run (its end would be journaled there, its interruption here).
        let running = takeover::running_now(&db.client, &run_id)
            .await
            .map_err(err)?;
        if !running.is_empty() && !matches!(lease, takeover::Lease::Expired { .. }) {
            bail!(
                "run {run_id}: step {} is still running on the old captain's machine (started, not finished in the shared record); nothing was taken over: ask them to wait for it to end or cancel it (c), then hand off again",
                running.join(", ")
            );
        }
        let mut handoff = None;
        let expired_holder = match &lease {
            takeover::Lease::Expired { holder, at } => {
                if !running.is_empty() {
                    eprintln!(
                        "flightdeck: the shared record shows step {} started and not finished: it may still be running on {holder}'s machine, whose lease expired. Taken over, it is resumed here as interrupted; check that machine before running it again.",
                        running.join(", ")
                    );
                }
                confirm(&run_id, holder, at)?;
                let from = takeover::captain(&db.client, &run_id)
                    .await
                    .map_err(err)?;
                handoff = Some(EventKind::Handoff {
                    from,
                    to: operator.to_string(),
                    note: Some(format!(
                        "took the run over: the lease of {holder} expired at {at} UTC without a handoff"
                    )),
                });
                Some(holder.clone())
            }
            _ => None,
        };
        let Some(taken) =
            takeover::take_lease(&db.client, &run_id, &me, expired_holder.as_deref())
                .await
                .map_err(err)?
        else {
            bail!("run {run_id}: another cockpit took the lease first; nothing was pulled");
        };
        let seq = match takeover::pull(&db.client, &run_id, &dir).await {
            Ok(seq) => seq,
            Err(e) => {
                // Not pulled: the lease goes back as it was, or the run is stranded.
                if let Err(back) = takeover::give_back(&db.client, &run_id, &me, &taken).await {
                    bail!(
                        "{shown}: {e}; and the lease could not be given back ({back}): it expires in {} s",
                        share::LEASE.as_secs()
                    );
                }
                return Err(err(e));
            }
        };
        eprintln!("flightdeck: run {run_id}: {seq} events pulled from the share and checked; the lease is this cockpit's.");
        Ok((dir, handoff))
    })
}

/// The takeover of a run whose captain vanished: only by typing its id.
fn confirm(run_id: &str, holder: &str, at: &str) -> anyhow::Result<()> {
    eprint!(
        "flightdeck: the lease of run {run_id}, held by {holder}, expired at {at} UTC without a handoff.\nType the run id to take the run over (anything else stops): "
    );
    std::io::stderr().flush()?;
    let mut typed = String::new();
    std::io::stdin().lock().read_line(&mut typed)?;
    if typed.trim() != run_id {
        bail!("not taken over: the run id was not typed; nothing was pulled");
    }
    Ok(())
}
