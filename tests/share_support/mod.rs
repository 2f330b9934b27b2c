//! Shared by the share tests: a database of its own per test (the schema name is fixed, so
//! tests that share one database would race on its DDL), a pusher whose reports can be
//! waited for, and a loopback TCP proxy the test can cut and restore.
#![allow(dead_code)]

pub mod tmux;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flightdeck::share::{Share, ShareConfig, ShareStatus, pusher::Pusher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::services;

/// A database created for one test, dropped when it goes.
pub struct TestDb {
    pub url: String,
    admin: String,
    name: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `url` with its database replaced by `db` (libpq URLs only).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base
        .rsplit_once('/')
        .expect("a postgres:// URL with a database");
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

impl TestDb {
    /// A fresh, empty database next to the test one; `None` (skipped) without PostgreSQL.
    pub async fn new() -> Option<TestDb> {
        let admin = services::postgres().await?;
        let name = format!(
            "fd_share_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let db = flightdeck::db::connect(&admin, Duration::from_secs(5))
            .await
            .expect("connect as admin");
        db.client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        Some(TestDb {
            url: with_database(&admin, &name),
            admin,
            name,
        })
    }

    pub async fn client(&self) -> flightdeck::db::Db {
        flightdeck::db::connect(&self.url, Duration::from_secs(5))
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime: do it on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(db) = flightdeck::db::connect(&admin, Duration::from_secs(5)).await {
                    let _ = db
                        .client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// A pusher and the statuses it reports.
pub struct Pushing {
    pub share: Share,
    pub pusher: Pusher,
    pub reports: mpsc::UnboundedReceiver<ShareStatus>,
    pub last: Option<ShareStatus>,
    pub seen: Vec<ShareStatus>,
}

pub fn start(url: &str, run_dir: &std::path::Path, captain: &str) -> Pushing {
    start_with(ShareConfig::new(
        url.into(),
        run_dir.to_path_buf(),
        flightdeck::journal::runs::run_id_of(run_dir),
        captain.into(),
    ))
}

/// [`start`] with a config of the test's own (short lease times).
pub fn start_with(config: ShareConfig) -> Pushing {
    let run_dir = config.run_dir.clone();
    let run_dir = run_dir.as_path();
    let (tx, reports) = mpsc::unbounded_channel();
    let (share, pusher) = Share::start(
        config,
        Arc::new(move |s| {
            let _ = tx.send(s);
        }),
    );
    // What the journal writer would tell it at once: here every line is already synced
    // (a closed journal) or the test tells it more with `on_durable`.
    share.durable(flightdeck::share::local::line_count(run_dir).unwrap_or(0));
    Pushing {
        share,
        pusher,
        reports,
        last: None,
        seen: Vec::new(),
    }
}

impl Pushing {
    /// Waits (at most 60 s) for a report that satisfies `done`; panics with the last one.
    pub async fn until(&mut self, what: &str, done: impl Fn(&ShareStatus) -> bool) -> ShareStatus {
        if let Some(s) = self.last.as_ref().filter(|s| done(s)) {
            return s.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            match tokio::time::timeout_at(deadline, self.reports.recv()).await {
                Ok(Some(s)) => {
                    self.seen.push(s.clone());
                    self.last = Some(s.clone());
                    if done(&s) {
                        return s;
                    }
                }
                Ok(None) => panic!("the pusher stopped before {what}; last {:?}", self.last),
                Err(_) => panic!("no {what} within 60 s; last report {:?}", self.last),
            }
        }
    }

    /// Waits until the database has acknowledged every durable seq, at least `seq`.
    pub async fn synced(&mut self, seq: u64) -> ShareStatus {
        self.until(&format!("acked seq {seq}"), |s| {
            s.acked >= seq && s.behind() == 0 && s.offline.is_none()
        })
        .await
    }
}

/// Polls `probe` (a query) until it says yes, for at most 60 s.
pub async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        if probe().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 60 s");
}

/// A loopback TCP proxy in front of PostgreSQL: `cut` drops every connection and refuses new
/// ones until `restore`.
pub struct Proxy {
    pub port: u16,
    cut: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    pub accepted: Arc<AtomicU64>,
}

impl Proxy {
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let cut = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accepted = Arc::new(AtomicU64::new(0));
        let (c, l, a) = (cut.clone(), live.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                a.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().expect("lock").push(task.abort_handle());
            }
        });
        Proxy {
            port,
            cut,
            live,
            accepted,
        }
    }

    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for t in self.live.lock().expect("lock").drain(..) {
            t.abort();
        }
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }

    /// `url` going through this proxy.
    pub fn url(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (auth_host, path) = rest.split_once('/').expect("a database");
        let auth = auth_host.rsplit_once('@').map(|(a, _)| format!("{a}@"));
        format!(
            "{scheme}://{}127.0.0.1:{}/{path}",
            auth.unwrap_or_default(),
            self.port
        )
    }
}

/// host:port of a postgres URL.
pub fn upstream(url: &str) -> String {
    let rest = url.split_once("://").expect("a URL").1;
    let host = rest.split('/').next().expect("host");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    }
}

/// `url` (a `postgres://` URL) logging in as `user` with `password` instead of its own user.
pub fn with_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{user}:{password}@{host}")
}

/// The database name of a `postgres://…/db?…` URL.
pub fn database_of(url: &str) -> String {
    url.rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .expect("a database in the URL")
        .to_string()
}
