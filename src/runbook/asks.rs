//! Programs that stop to ask a question on the terminal before they act: `tbump`'s "Looking
//! good? (y/N)", `terraform apply`'s approval, `apt install`'s "Do you want to continue?", the
//! editor `git tag -a` opens for its message. A shell step has no terminal (its stdin is
//! `/dev/null`), so the question reads end of input and the program gives up: such a block is a
//! step the captain types in their own shell, not one the cockpit runs. The answer flags
//! (`-y`, `-auto-approve`, `-m`) make the same command unattended, so a rule holds only
//! without them. One table, one rule a row; each row has a test that fails without it.

use super::words;

/// One program (and subcommand) that asks unless one of its answer flags is given.
struct Rule {
    /// The program and the subcommands that ask (`["apt", "install"]`); one of several spellings
    /// of a word is written `a|b`.
    words: &'static [&'static str],
    /// Flags that answer the question in advance. A single-letter flag (`-y`) also counts
    /// inside a cluster (`-qy`); a long one also as `--flag=value`.
    unless: &'static [&'static str],
    /// Flags that make the command ask at all (`git tag` asks only for an annotated tag); empty
    /// when it always asks.
    only_with: &'static [&'static str],
    /// What the step shows: why it is typed by hand.
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        words: &["tbump"],
        unless: &["--non-interactive"],
        only_with: &[],
        why: "asks \"Looking good? (y/N)\" on a terminal (no `--non-interactive`)",
    },
    Rule {
        words: &["terraform", "apply|destroy"],
        unless: &["-auto-approve", "--auto-approve"],
        only_with: &[],
        why: "asks for approval on a terminal (no `-auto-approve`, no saved plan)",
    },
    Rule {
        words: &[
            "apt|apt-get",
            "install|upgrade|dist-upgrade|full-upgrade|remove|purge|autoremove",
        ],
        unless: &["-y", "--yes", "--assume-yes"],
        only_with: &[],
        why: "asks \"Do you want to continue?\" on a terminal (no `-y`)",
    },
    Rule {
        words: &["terraform", "login"],
        unless: &[],
        only_with: &[],
        why: "asks for confirmation and a token on a terminal",
    },
    Rule {
        words: &["doctl", "auth", "init"],
        unless: &["-t", "--access-token"],
        only_with: &[],
        why: "asks for an access token on a terminal (no `--access-token`)",
    },
    Rule {
        words: &["yum|dnf", "install|update|upgrade|remove|erase"],
        unless: &["-y", "--assumeyes"],
        only_with: &[],
        why: "asks \"Is this ok [y/N]\" on a terminal (no `-y`)",
    },
    Rule {
        words: &[
            "docker|podman",
            "system|image|volume|container|network|builder",
            "prune",
        ],
        unless: &["-f", "--force"],
        only_with: &[],
        why: "asks \"Are you sure you want to continue? [y/N]\" on a terminal (no `--force`)",
    },
    Rule {
        words: &[
            "conda|mamba",
            "create|install|remove|uninstall|update|upgrade",
        ],
        unless: &["-y", "--yes"],
        only_with: &[],
        why: "asks \"Proceed ([y]/n)?\" on a terminal (no `-y`)",
    },
    Rule {
        words: &["pip|pip3", "uninstall"],
        unless: &["-y", "--yes"],
        only_with: &[],
        why: "asks \"Proceed (Y/n)?\" on a terminal (no `-y`)",
    },
    Rule {
        words: &["git", "tag"],
        unless: &["-m", "--message", "-F", "--file"],
        only_with: &["-a", "--annotate", "-s", "--sign", "-u", "--local-user"],
        why: "opens an editor for the tag message (no `-m`)",
    },
    Rule {
        words: &["git", "commit"],
        unless: &[
            "-m",
            "--message",
            "-F",
            "--file",
            "-C",
            "--reuse-message",
            "--no-edit",
            "--fixup",
        ],
        only_with: &[],
        why: "opens an editor for the commit message (no `-m`)",
    },
    Rule {
        words: &["git", "rebase|add"],
        unless: &[],
        only_with: &["-i", "--interactive", "-p", "--patch"],
        why: "asks interactively which changes to take",
    },
    Rule {
        words: &["npm", "login|adduser"],
        unless: &[],
        only_with: &[],
        why: "asks for credentials on a terminal",
    },
    Rule {
        words: &["docker|podman", "login"],
        unless: &["-p", "--password", "--password-stdin"],
        only_with: &[],
        why: "asks for a password on a terminal (no `--password-stdin`)",
    },
    Rule {
        words: &["gh", "auth", "login"],
        unless: &["--with-token"],
        only_with: &[],
        why: "asks how to log in on a terminal (no `--with-token`)",
    },
    Rule {
        words: &["certbot"],
        unless: &["-n", "--non-interactive", "--noninteractive"],
        only_with: &["certonly", "run", "--nginx", "--apache", "--standalone"],
        why: "asks for an email address and the terms on a terminal (no `--non-interactive`)",
    },
    Rule {
        // The Azure Pipelines agent's `./config.sh remove` asks how to authenticate.
        words: &["config.sh", "remove"],
        unless: &["--unattended"],
        only_with: &[],
        why: "asks for the authentication type and a token on a terminal (no `--unattended`)",
    },
];

/// Why a block stops at a question on the terminal, if one of its statements runs a program
/// that asks without the flags that answer in advance. A statement fed by a pipe (`yes | apt
/// install x`) or a redirect is answered.
pub fn asks_on_a_terminal(commands: &str) -> Option<&'static str> {
    for line in words::logical_lines(commands) {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        for statement in words::statements(line) {
            // Whether this statement is the right side of a `|` (not `||`).
            let at = rest.find(statement).unwrap_or(0);
            let before = rest.get(..at).unwrap_or("");
            rest = rest.get(at + statement.len()..).unwrap_or("");
            let before = before.trim_end();
            // (`<file`, `<<EOF`, `<<<`, but not a `<placeholder>`.)
            let redirected = statement
                .split_whitespace()
                .any(|w| w.starts_with('<') && !w.contains('>'));
            if (before.ends_with('|') && !before.ends_with("||")) || redirected {
                continue;
            }
            if let Some(why) = rule_for(statement) {
                return Some(why);
            }
        }
    }
    None
}

/// The rule a simple statement breaks, if any.
fn rule_for(statement: &str) -> Option<&'static str> {
    let all: Vec<&str> = words::words_iter(statement).collect();
    let start = super::shape::program_index(&all);
    let words = all.get(start..)?;
    let program = words.first()?.rsplit('/').next()?;
    RULES.iter().find_map(|rule| {
        let (first, subcommands) = rule.words.split_first()?;
        if !spelled(first, program) {
            return None;
        }
        // Subcommands in order, flags (and `-chdir=x`-style globals) between them skipped.
        let mut operands = words[1..].iter().filter(|w| !w.starts_with('-'));
        for want in subcommands {
            if !operands.next().is_some_and(|w| spelled(want, w)) {
                return None;
            }
        }
        let flags = &words[1..];
        // `terraform apply plan.bin` applies a saved plan: approved when it was made. (A
        // word after a flag without `=` is that flag's value: `-var 'region=eu'`.)
        if program == "terraform" && saved_plan(flags) {
            return None;
        }
        let has = |set: &[&str]| set.iter().any(|f| flags.iter().any(|w| flag_given(f, w)));
        let asks = (rule.only_with.is_empty() || has(rule.only_with)) && !has(rule.unless);
        asks.then_some(rule.why)
    })
}

/// Whether `terraform apply`'s words after the program name a saved plan: an operand after
/// `apply` that is no flag's value.
fn saved_plan(words: &[&str]) -> bool {
    let Some(at) = words.iter().position(|w| *w == "apply") else {
        return false;
    };
    words[at + 1..]
        .iter()
        .zip(words[at..].iter())
        .any(|(w, before)| {
            !w.starts_with('-')
                && (*before == "apply" || !before.starts_with('-') || before.contains('='))
        })
}

/// Whether `word` is one of the `a|b` spellings in `pattern`.
fn spelled(pattern: &str, word: &str) -> bool {
    pattern.split('|').any(|p| p == word)
}

/// Whether `word` gives `flag`: itself, `--flag=value`, or a single-letter flag inside a
/// cluster of short flags (`-qy` gives `-y`; `-am` gives `-m`).
fn flag_given(flag: &str, word: &str) -> bool {
    if word == flag {
        return true;
    }
    if let Some(long) = flag.strip_prefix("--") {
        return word
            .strip_prefix("--")
            .and_then(|w| w.strip_prefix(long))
            .is_some_and(|rest| rest.starts_with('='));
    }
    if flag.starts_with("-auto") {
        return word.starts_with(&format!("{flag}="));
    }
    let letter = flag.strip_prefix('-').filter(|l| l.len() == 1);
    match (letter, word.strip_prefix('-')) {
        (Some(l), Some(cluster)) if !cluster.starts_with('-') => {
            cluster.chars().all(|c| c.is_ascii_alphabetic()) && cluster.contains(l)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per rule that asks, and the same command answered in advance: removing a
    /// rule fails its first assertion; a rule that forgets its answer flag fails the second.
    const CASES: &[(&str, &str)] = &[
        ("tbump x.y.z", "tbump --non-interactive x.y.z"),
        (
            "terraform apply -var-file=projects/a.tfvars",
            "terraform apply -auto-approve",
        ),
        ("terraform login", "terraform init"),
        (
            "doctl auth init",
            "doctl auth init --access-token \"$DO_TOKEN\"",
        ),
        (
            "sudo apt install build-essential",
            "sudo apt-get install -qy nginx",
        ),
        ("dnf install postgresql16", "yum -y install postgresql16"),
        ("docker system prune --volumes", "docker system prune -af"),
        (
            "conda create -n rever conda-forge::rever",
            "conda create -y -n rever rever",
        ),
        ("pip uninstall flightdeck", "pip3 uninstall -y flightdeck"),
        (
            "git tag -u FA1BE5FE 1.3.0 $COMMIT_SHA",
            "git tag -a v1 -m 'Release v1'",
        ),
        ("git commit -a", "git commit -am \"Release\""),
        ("git rebase -i HEAD~3", "git rebase origin/main"),
        ("npm login", "npm publish"),
        (
            "docker login registry.example.com",
            "docker login --password-stdin -u ci r",
        ),
        ("gh auth login", "gh auth login --with-token"),
        ("sudo certbot --nginx -d example.com", "certbot renew"),
        (
            "./config.sh remove",
            "./config.sh remove --unattended --auth pat --token \"$PAT\"",
        ),
    ];

    #[test]
    fn each_rule_asks_unless_answered() {
        for (asks, answered) in CASES {
            assert!(asks_on_a_terminal(asks).is_some(), "{asks}");
            assert!(asks_on_a_terminal(answered).is_none(), "{answered}");
        }
        assert_eq!(CASES.len(), RULES.len(), "a case for every rule");
    }

    #[test]
    fn answered_by_a_pipe_or_a_redirect_and_plain_commands() {
        assert!(asks_on_a_terminal("yes | sudo apt install nginx\n").is_none());
        assert!(asks_on_a_terminal("tbump 1.2.3 < answers.txt\n").is_none());
        assert!(asks_on_a_terminal("tbump <version>\n").is_some());
        assert!(asks_on_a_terminal("make || git commit -a\n").is_some());
        assert!(asks_on_a_terminal("# terraform apply\nterraform plan\n").is_none());
        assert!(asks_on_a_terminal("git tag v1.2.3\ngit push origin v1.2.3\n").is_none());
        assert!(asks_on_a_terminal("git tag -d v1.2.3\n").is_none());
        assert!(asks_on_a_terminal("terraform -chdir=infra apply\n").is_some());
        assert!(asks_on_a_terminal("terraform apply -var 'region=eu'\n").is_some());
        assert!(asks_on_a_terminal("terraform apply plan.bin\n").is_none());
        assert!(asks_on_a_terminal("terraform apply -input=false release.plan\n").is_none());
        assert!(asks_on_a_terminal("terraform destroy -target aws_instance.a\n").is_some());
        assert!(asks_on_a_terminal("apt list --installed\n").is_none());
        assert!(asks_on_a_terminal("git add -A && git commit -F msg.txt\n").is_none());
    }
}
