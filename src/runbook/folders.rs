//! Which folder a block leaves the run in. A block that enters its working folder (`cd rust`)
//! and then a sub-folder for a task of its own (`cd src/tools/cargo`, to branch the
//! submodule) was written to be followed by blocks run from the working folder: the
//! sub-folder is the block's own business. A folder the block made itself (`git clone … x;
//! cd x`, `mkdir x && cd x`) is where the author goes on, so it carries.

/// Commands that make the folder they name.
const MAKERS: &[&str] = &["clone", "mkdir", "tar", "unzip", "init", "new", "create"];

/// The sub-folder `code` enters after its first `cd`, for a task of its own: the relative
/// path the steps after it should not stay in. `None` when the block has one `cd` or none,
/// when a later `cd` goes up or elsewhere, or when the block made the folder it enters.
pub fn subtask_folder(code: &str) -> Option<String> {
    let mut entered = false;
    let mut sub: Vec<&str> = Vec::new();
    let mut made: Vec<&str> = Vec::new();
    // Whether a command follows the last `cd` into the sub-folder: a `cd` that ends the
    // block goes there for what follows (`cd ~/src/infra; git pull; cd envs/prod`).
    let mut worked_there = false;
    for line in code.lines() {
        for command in line.split("&&").map(str::trim) {
            let words: Vec<&str> = command.split_whitespace().collect();
            if !sub.is_empty()
                && !words.is_empty()
                && !words[0].starts_with('#')
                && words[0] != "cd"
            {
                worked_there = true;
            }
            match words.as_slice() {
                ["cd", path] => {
                    let path = path.trim_end_matches(';').trim_end_matches('/');
                    if !entered {
                        entered = true;
                        continue;
                    }
                    let plain = !path.is_empty()
                        && !path.starts_with(['/', '~', '$', '-'])
                        && !path
                            .split('/')
                            .any(|c| c == ".." || c == "." || c.is_empty());
                    let last = path.rsplit('/').next().unwrap_or(path);
                    if !plain || made.contains(&last) {
                        return None;
                    }
                    sub.push(path);
                    worked_there = false;
                }
                [first, ..] if *first == "cd" || *first == "pushd" || *first == "popd" => {
                    return None;
                }
                all if all.iter().any(|w| MAKERS.contains(w)) => {
                    made.extend(all.iter().filter_map(|w| {
                        w.trim_end_matches('/')
                            .trim_end_matches(".git")
                            .rsplit('/')
                            .next()
                    }));
                }
                _ => {}
            }
        }
    }
    (!sub.is_empty() && worked_there).then(|| sub.join("/"))
}

/// Whether a block starts by going up (`cd ..`): it counts on the folder the block before
/// it ended in, sub-folder and all.
pub fn goes_up_first(code: &str) -> bool {
    code.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("cd ..") || l.starts_with("popd"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_folder_after_the_working_folder_is_the_blocks_own() {
        assert_eq!(
            subtask_folder("cd app\ngit fetch\ncd vendor/lib\ngit tag v1\n").as_deref(),
            Some("vendor/lib")
        );
        // A `cd` that ends the block is where the run goes on.
        assert_eq!(
            subtask_folder("cd ~/src/infra\ngit pull\ncd envs/prod\n"),
            None
        );
        // One cd: the working folder carries.
        assert_eq!(subtask_folder("cd app\nmake\n"), None);
        // A folder the block made carries.
        assert_eq!(
            subtask_folder("cd work\ngit clone https://x/app.git\ncd app\n"),
            None
        );
        // Going up or elsewhere: not a sub-task.
        assert_eq!(subtask_folder("cd app\ncd ../other\n"), None);
        assert_eq!(subtask_folder("cd app\ncd /srv\n"), None);
        assert_eq!(
            subtask_folder("cd /tmp\nmkdir -p build && cd build\n"),
            None
        );
    }
}
