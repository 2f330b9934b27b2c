//! Starts one task per metric (and per log source); each samples on its own interval and
//! reports through a callback, so a slow source never delays another or the cockpit task.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::monitor::sample::{MonitorEvent, Sample};
use crate::monitor::source_sql::SqlConn;
use crate::monitor::spec::{MetricDef, Source, expand};
use crate::monitor::{logtail, source_command, source_http, source_prometheus};
use crate::runbook::frontmatter::LogSpec;

/// Where the tasks send what they see (the runtime wraps its action channel in one).
pub type Report = Arc<dyn Fn(MonitorEvent) + Send + Sync>;

/// The running monitoring tasks; dropping it stops them all (and their child processes).
#[derive(Default)]
pub struct Monitors {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Monitors {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl Monitors {
    /// How many tasks run.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

/// What the samplers need besides the metric list.
pub struct Setup<'a> {
    /// Named database URLs (front matter `databases`), inputs not yet expanded.
    pub databases: &'a indexmap::IndexMap<String, String>,
    /// Prometheus base URL (front matter, else `$FLIGHTDECK_PROMETHEUS_URL`).
    pub prometheus: Option<String>,
    /// Values of run inputs, for `$NAME` in database URLs.
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
}

/// Spawns a sampler for each checked metric (`defs[i]` reports as metric `i`; `None` entries
/// are skipped) and a follower for each log source. Must run inside a tokio runtime.
pub fn start(
    defs: &[Option<MetricDef>],
    logs: &[LogSpec],
    setup: &Setup<'_>,
    report: Report,
) -> Monitors {
    let mut monitors = Monitors::default();
    let http = source_http::client();
    // One session per database, shared by its metrics; statement_timeout fits the slowest.
    let mut conns: HashMap<String, Arc<SqlConn>> = HashMap::new();
    for def in defs.iter().flatten() {
        if let Source::Sql { db, .. } = &def.source {
            let longest = defs
                .iter()
                .flatten()
                .filter(|d| matches!(&d.source, Source::Sql { db: x, .. } if x == db))
                .map(|d| d.timeout)
                .max()
                .unwrap_or(def.timeout);
            conns.entry(db.clone()).or_insert_with(|| {
                let url = setup
                    .databases
                    .get(db)
                    .ok_or_else(|| format!("unknown database `{db}`"))
                    .and_then(|u| expand(u, setup.lookup));
                Arc::new(SqlConn::new(url, longest))
            });
        }
    }
    for (index, def) in defs.iter().enumerate() {
        let Some(def) = def.clone() else { continue };
        let probe = match &def.source {
            Source::Command(c) => Probe::Command(c.clone()),
            Source::Sql { query, db } => match conns.get(db) {
                Some(conn) => Probe::Sql(conn.clone(), query.clone()),
                None => continue,
            },
            Source::Prometheus { query } => Probe::Prometheus {
                client: http.clone(),
                base: setup.prometheus.clone(),
                query: query.clone(),
            },
            Source::Http { url, expect, json } => Probe::Http {
                client: http.clone(),
                url: url.clone(),
                expect: *expect,
                json: json.clone(),
            },
        };
        let report = report.clone();
        monitors
            .tasks
            .push(tokio::spawn(run_metric(index, def, probe, report)));
    }
    for (index, log) in logs.iter().enumerate() {
        let report = report.clone();
        let task = match (&log.file, &log.command) {
            (Some(path), _) => tokio::spawn(logtail::follow_file(index, path.into(), report)),
            (None, Some(cmd)) => tokio::spawn(logtail::follow_command(index, cmd.clone(), report)),
            (None, None) => continue,
        };
        monitors.tasks.push(task);
    }
    monitors
}

/// How one metric is read.
enum Probe {
    Command(String),
    Sql(Arc<SqlConn>, String),
    Prometheus {
        client: reqwest::Client,
        base: Option<String>,
        query: String,
    },
    Http {
        client: reqwest::Client,
        url: String,
        expect: u16,
        json: Option<String>,
    },
}

impl Probe {
    async fn read(&self, timeout: Duration) -> Result<f64, String> {
        let bounded = async {
            match self {
                Probe::Command(c) => source_command::sample(c, timeout).await,
                Probe::Sql(conn, q) => conn.sample(q, timeout).await,
                Probe::Prometheus {
                    client,
                    base,
                    query,
                } => match base {
                    Some(base) => source_prometheus::sample(client, base, query, timeout).await,
                    None => Err(format!(
                        "no Prometheus URL: set `prometheus:` in front matter or ${}",
                        source_prometheus::URL_ENV
                    )),
                },
                Probe::Http {
                    client,
                    url,
                    expect,
                    json,
                } => source_http::sample(client, url, *expect, json.as_deref(), timeout).await,
            }
        };
        // Every source bounds itself; this is the belt to those braces.
        match tokio::time::timeout(timeout + Duration::from_millis(500), bounded).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "timed out after {}",
                source_command::human(timeout)
            )),
        }
    }
}

/// Samples at a steady interval (missed ticks are delayed, never bunched up).
async fn run_metric(index: usize, def: MetricDef, probe: Probe, report: Report) {
    let mut ticker = tokio::time::interval(def.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let value = probe.read(def.timeout).await;
        report(MonitorEvent::Sample(Sample {
            metric: index,
            at: Utc::now(),
            value,
        }));
    }
}

/// Starts the monitoring of a runbook: its metrics (as checked in `monitor`) and log sources.
/// Database URLs may name run inputs (`$PROD_DB_URL`), looked up in `values`, then the
/// environment.
pub fn start_for(
    runbook: &crate::runbook::Runbook,
    monitor: &crate::monitor::Monitor,
    values: &HashMap<String, String>,
    report: Report,
) -> Monitors {
    let Some(fm) = runbook.front_matter.as_ref() else {
        return Monitors::default();
    };
    let lookup = |n: &str| values.get(n).cloned().or_else(|| std::env::var(n).ok());
    let prometheus = fm
        .prometheus
        .clone()
        .or_else(|| std::env::var(source_prometheus::URL_ENV).ok());
    let setup = Setup {
        databases: &fm.databases,
        prometheus,
        lookup: &lookup,
    };
    let mut defs = monitor.defs();
    let mut logs = fm.logs.clone();
    if monitor.commands_refused {
        // Belt to `refuse_commands`' braces: nothing here runs a shared runbook's command.
        for d in &mut defs {
            if d.as_ref()
                .is_some_and(|d| matches!(d.source, Source::Command(_)))
            {
                *d = None;
            }
        }
        for l in &mut logs {
            l.command = None;
        }
    }
    start(&defs, &logs, &setup, report)
}
