//! Values that flow between steps: bash itself records its variables when the step's shell
//! starts and when it exits (through `BASH_ENV`, so the script's line numbers stay its own),
//! and the difference is what the step set. Nothing parses the script; nothing a value holds is
//! ever executed.
//!
//! The dumps are NUL-separated `name\0value\0` pairs in a private (0600) file outside the run
//! folder, read once and deleted at once: values may be secrets.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Sourced by bash before the step's script. The capture's own variables are taken out of the
/// environment at once (a child bash must not dump over ours), the user's `BASH_ENV` is
/// restored, the script's own EXIT traps are chained before the dump, and the dump writes only
/// into files flightdeck created (a dump after the cockpit let go of them would leak).
const PREAMBLE: &str = r#"# flightdeck: record the variables this step sets, for the steps after it
__fd_vars=$__FD_VARS
export -n __FD_VARS BASH_ENV
unset __FD_VARS BASH_ENV
if [ -n "${__FD_USER_BASH_ENV-}" ]; then
  BASH_ENV=$__FD_USER_BASH_ENV; export BASH_ENV; unset __FD_USER_BASH_ENV
  . "$BASH_ENV"
fi
__fd_dump() {
  [ -f "$1" ] || return 0
  local __fd_n IFS=$' \t\n'
  for __fd_n in $(compgen -v); do
    case $__fd_n in
      __fd_*|__FD_*|BASH*|FUNCNAME|PIPESTATUS|_|RANDOM|SRANDOM|LINENO|SECONDS|EPOCH*|HISTCMD|COMP_*|GROUPS|DIRSTACK|SHLVL|OLDPWD|PWD|OPTIND|OPTERR|IFS) continue ;;
    esac
    printf '%s\0%s\0' "$__fd_n" "${!__fd_n-}"
  done >| "$1" 2>/dev/null
}
__fd_user_exit=
__fd_exit() {
  local __fd_rc=$?
  if [ -n "$__fd_user_exit" ]; then eval "$__fd_user_exit"; fi
  __fd_dump "$__fd_vars.1"
  # Where the step ended up (`cd /srv/shop`): the steps after it start there.
  [ -f "$__fd_vars.1" ] && printf '%s\0%s\0' __FD_CWD "$PWD" >> "$__fd_vars.1" 2>/dev/null
  return $__fd_rc
}
# The script's `trap … EXIT` runs before the dump instead of replacing it.
trap() {
  if [ $# -ge 2 ] && [ "$1" != -p ] && [ "$1" != -l ]; then
    local __fd_a __fd_rest=()
    for __fd_a in "${@:2}"; do
      case $__fd_a in
        EXIT|0) if [ "$1" = - ]; then __fd_user_exit=; else __fd_user_exit=$1; fi ;;
        *) __fd_rest+=("$__fd_a") ;;
      esac
    done
    if [ ${#__fd_rest[@]} -gt 0 ]; then builtin trap "$1" "${__fd_rest[@]}"; fi
    return 0
  fi
  builtin trap "$@"
}
__fd_dump "$__fd_vars.0"
[ -f "$__fd_vars.0" ] && printf '%s\0%s\0' __FD_CWD "$PWD" >> "$__fd_vars.0" 2>/dev/null
builtin trap __fd_exit EXIT
"#;

/// The name under which a step's final working directory comes back from [`VarCapture::collect`].
pub const CWD: &str = "__FD_CWD";

/// Where one step's dumps go; dropping it removes them.
#[derive(Debug)]
pub struct VarCapture {
    prefix: PathBuf,
}

impl VarCapture {
    /// Prepares a capture for one step run: the environment to add so bash records variables.
    /// Fails (and the step runs without capture) when no private temp folder can be made.
    pub fn new(tag: &str) -> std::io::Result<(VarCapture, Vec<(String, String)>)> {
        Self::new_in(&private_dir()?, tag)
    }

    fn new_in(dir: &Path, tag: &str) -> std::io::Result<(VarCapture, Vec<(String, String)>)> {
        let preamble = dir.join("bash_env.sh");
        if std::fs::read_to_string(&preamble).ok().as_deref() != Some(PREAMBLE) {
            // A name of its own per writer: steps started together in one process would
            // otherwise write and rename the same file, and all but one lose their capture.
            static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = dir.join(format!("bash_env.sh.{}.{n}", std::process::id()));
            std::fs::write(&tmp, PREAMBLE)?;
            std::fs::rename(&tmp, &preamble)?;
        }
        let safe: String = tag
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let prefix = dir.join(format!("vars-{}-{safe}-{nanos}", std::process::id()));
        // Created empty and private before bash writes into them.
        for end in [".0", ".1"] {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(with_suffix(&prefix, end))?
                .flush()?;
        }
        let mut env = vec![
            ("BASH_ENV".to_string(), preamble.display().to_string()),
            ("__FD_VARS".to_string(), prefix.display().to_string()),
        ];
        if let Ok(user) = std::env::var("BASH_ENV") {
            env.push(("__FD_USER_BASH_ENV".to_string(), user));
        }
        Ok((VarCapture { prefix }, env))
    }

    /// Variables that are new or changed at exit, in name order; empty when the shell was not
    /// bash or exited without running its trap. Deletes the dumps.
    pub fn collect(self) -> Vec<(String, String)> {
        let before = read_pairs(&with_suffix(&self.prefix, ".0"));
        let after = read_pairs(&with_suffix(&self.prefix, ".1"));
        let mut changed: Vec<(String, String)> = after
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .collect();
        changed.sort();
        changed
    }
}

impl Drop for VarCapture {
    fn drop(&mut self) {
        for end in [".0", ".1"] {
            let _ = std::fs::remove_file(with_suffix(&self.prefix, end));
        }
    }
}

fn with_suffix(prefix: &Path, end: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(end);
    PathBuf::from(s)
}

/// `$TMPDIR/flightdeck-<uid>`, mode 0700, refusing one that another user owns.
pub(crate) fn private_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let uid = nix::unistd::getuid().as_raw();
    let dir = std::env::temp_dir().join(format!("flightdeck-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(std::io::Error::other(format!(
            "{} is not a private folder of this user",
            dir.display()
        )));
    }
    remove_stale(&dir);
    Ok(dir)
}

/// Dumps of cockpits that are gone (a crash between start and collect) are removed.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("vars-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn read_pairs(path: &Path) -> HashMap<String, String> {
    let Ok(bytes) = std::fs::read(path) else {
        return HashMap::new();
    };
    let mut parts = bytes.split(|b| *b == 0);
    let mut out = HashMap::new();
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        if k.is_empty() {
            continue;
        }
        out.insert(
            String::from_utf8_lossy(k).into_owned(),
            String::from_utf8_lossy(v).into_owned(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_first_captures_all_get_the_preamble() {
        // The first runs after the preamble is missing (a fresh machine, a new version) may
        // start together, in one process: each must get a capture.
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = dir.path();
        let made: Vec<bool> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..8)
                .map(|i| s.spawn(move || VarCapture::new_in(dir, &format!("step{i}")).is_ok()))
                .collect();
            runs.into_iter()
                .map(|r| r.join().unwrap_or(false))
                .collect()
        });
        assert_eq!(made, [true; 8]);
        let preamble = std::fs::read_to_string(dir.join("bash_env.sh")).unwrap_or_default();
        assert_eq!(preamble, PREAMBLE);
    }
}
