//! What a sentence of prose does: instruct (an imperative, "Restart the workers"), announce
//! output ("The output looks like:"), or explain ("The script does the following:"). The
//! walker asks here whether a list is a procedure and whether a block after a paragraph is
//! something to run or something to expect.

/// Verbs a runbook's instructions start with. A list whose items mostly start with one is a
/// procedure; a list of facts, names or links is not.
const VERBS: &[&str] = &[
    "accept",
    "acknowledge",
    "activate",
    "add",
    "adjust",
    "allow",
    "announce",
    "append",
    "apply",
    "approve",
    "archive",
    "ask",
    "assign",
    "attach",
    "back",
    "backup",
    "bootstrap",
    "bump",
    "build",
    "call",
    "cancel",
    "capture",
    "change",
    "check",
    "checkout",
    "choose",
    "clean",
    "clear",
    "click",
    "clone",
    "close",
    "collect",
    "comment",
    "commit",
    "communicate",
    "compare",
    "compile",
    "complete",
    "configure",
    "confirm",
    "connect",
    "contact",
    "continue",
    "convert",
    "copy",
    "cordon",
    "create",
    "cut",
    "deactivate",
    "declare",
    "decrease",
    "delete",
    "deploy",
    "destroy",
    "detach",
    "determine",
    "disable",
    "disconnect",
    "discuss",
    "dispatch",
    "double-check",
    "download",
    "drain",
    "drop",
    "dump",
    "edit",
    "email",
    "empty",
    "enable",
    "ensure",
    "enter",
    "escalate",
    "evict",
    "examine",
    "execute",
    "export",
    "extract",
    "fail",
    "fetch",
    "file",
    "fill",
    "find",
    "finish",
    "fix",
    "flip",
    "flush",
    "follow",
    "force",
    "forward",
    "freeze",
    "generate",
    "get",
    "give",
    "go",
    "grab",
    "grant",
    "handle",
    "identify",
    "import",
    "increase",
    "increment",
    "inform",
    "initialize",
    "initiate",
    "inspect",
    "install",
    "invalidate",
    "invite",
    "invoke",
    "isolate",
    "keep",
    "kick",
    "kill",
    "label",
    "launch",
    "leave",
    "let",
    "list",
    "load",
    "lock",
    "log",
    "login",
    "look",
    "make",
    "mark",
    "merge",
    "migrate",
    "mirror",
    "modify",
    "monitor",
    "mount",
    "move",
    "navigate",
    "note",
    "notify",
    "observe",
    "obtain",
    "open",
    "pause",
    "perform",
    "pick",
    "pin",
    "ping",
    "place",
    "plan",
    "poll",
    "post",
    "prepare",
    "press",
    "promote",
    "provision",
    "publish",
    "pull",
    "purge",
    "push",
    "put",
    "query",
    "raise",
    "re-check",
    "re-enable",
    "re-run",
    "reboot",
    "rebuild",
    "recheck",
    "record",
    "recover",
    "redeploy",
    "refresh",
    "register",
    "reindex",
    "release",
    "reload",
    "remove",
    "rename",
    "repeat",
    "replace",
    "reply",
    "report",
    "request",
    "rerun",
    "reset",
    "resize",
    "resolve",
    "restart",
    "restore",
    "resume",
    "retrieve",
    "retry",
    "return",
    "revert",
    "review",
    "revoke",
    "roll",
    "rollback",
    "rotate",
    "run",
    "save",
    "scale",
    "schedule",
    "search",
    "select",
    "send",
    "set",
    "setup",
    "share",
    "ship",
    "shut",
    "sign",
    "snapshot",
    "specify",
    "spin",
    "ssh",
    "stage",
    "start",
    "stop",
    "submit",
    "suspend",
    "switch",
    "sync",
    "tag",
    "take",
    "tell",
    "terminate",
    "test",
    "toggle",
    "track",
    "transfer",
    "trigger",
    "turn",
    "tweet",
    "type",
    "unblock",
    "uncordon",
    "unfreeze",
    "uninstall",
    "unlock",
    "unpause",
    "update",
    "upgrade",
    "upload",
    "use",
    "validate",
    "verify",
    "visit",
    "wait",
    "watch",
    "wipe",
    "write",
    "agree",
    "alert",
    "browse",
    "coordinate",
    "decide",
    "define",
    "document",
    "draft",
    "expand",
    "extend",
    "hold",
    "interact",
    "join",
    "measure",
    "order",
    "page",
    "pay",
    "print",
    "proceed",
    "provide",
    "reach",
    "read",
    "rehearse",
    "remind",
    "scan",
    "scroll",
    "see",
    "smoke-test",
    "spot-check",
    "summarize",
    "tap",
    "triage",
    "uncomment",
    "unzip",
    "view",
    "zip",
    "locate",
    "describe",
    "calculate",
    "compute",
    "estimate",
    "cherry-pick",
    "backport",
    "rebase",
    "squash",
    "unmount",
    "detach",
    "format",
    "resync",
    "replicate",
    "failover",
    "demote",
    "warm",
    "prewarm",
    "seed",
    "populate",
    "truncate",
    "vacuum",
    "analyze",
    "renew",
    "issue",
    "expire",
];

/// The imperative of an instruction's verb written as a gerund ("setting" → "set",
/// "changing" → "change", "performing" → "perform"), when it is one of [`VERBS`].
pub fn imperative_of(gerund: &str) -> Option<&'static str> {
    let lower = gerund.to_ascii_lowercase();
    let stem = lower.strip_suffix("ing")?;
    let mut last = stem.chars().rev();
    let undoubled = match (last.next(), last.next()) {
        (Some(a), Some(b)) if a == b => Some(&stem[..stem.len() - a.len_utf8()]),
        _ => None,
    };
    let with_e = format!("{stem}e");
    [Some(stem), Some(with_e.as_str()), undoubled]
        .into_iter()
        .flatten()
        .find_map(|c| VERBS.iter().find(|v| **v == c).copied())
}

/// Words that may stand before an instruction's verb: "Then restart", "Now, run", "Please".
const LEADS: &[&str] = &[
    "then",
    "now",
    "next",
    "first",
    "finally",
    "please",
    "also",
    "afterwards",
    "locally",
    "manually",
    "optionally",
    "temporarily",
    "carefully",
    "so",
];

/// Whether `text` starts like an instruction: an imperative verb, perhaps after "Then" or a
/// bold time marker (`T-30m`), or a `verb:` label.
pub fn is_instruction(text: &str) -> bool {
    starts_with_a_verb(text)
        || after_a_clause(text).is_some_and(|rest| starts_with_a_verb(rest) || acts_on_it(rest))
}

/// "Once the PR is sent, r+ it and give it …": after a clause, a main clause whose second word
/// is its object has no subject, so it is an imperative whatever its verb (jargon included).
fn acts_on_it(clause: &str) -> bool {
    let mut words = clause
        .split_whitespace()
        .skip_while(|w| LEADS.contains(&w.trim_end_matches(',').to_ascii_lowercase().as_str()));
    let verb = words.next().unwrap_or("").to_ascii_lowercase();
    let object = words.next().unwrap_or("").to_ascii_lowercase();
    // "then it can be approved": a subject, not a verb.
    let subject = [
        "it", "this", "that", "there", "we", "you", "they", "he", "she", "i", "the", "a", "an",
    ];
    !verb.is_empty()
        && !verb.ends_with(',')
        && !subject.contains(&verb.as_str())
        && ["it", "them"].contains(&object.trim_end_matches([',', '.']))
}

/// Words that end a "when the build is done" clause written without its comma: what
/// follows is the main clause ("As soon as this build is done post a message …").
const CLAUSE_ENDS: &[&str] = &[
    "done",
    "finished",
    "complete",
    "completed",
    "merged",
    "over",
];

/// What follows a leading clause: "After the PR is merged, create …" → "create …".
fn after_a_clause(text: &str) -> Option<&str> {
    // "Finally if you identify changes …, add and commit them": a lead before the clause.
    let text = match text.split_once(char::is_whitespace) {
        Some((lead, rest))
            if ["finally", "then", "now", "next"].contains(
                &lead
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_ascii_lowercase()
                    .as_str(),
            ) =>
        {
            rest.trim_start()
        }
        _ => text,
    };
    let mut words = text.split_whitespace();
    let first = words.next()?.to_ascii_lowercase();
    let first = first.trim_matches(|c: char| !c.is_alphanumeric());
    // "After this update the site …", "After that, …": a lead, not a clause of its own.
    // Not "After this change, the API returns 404" or "After this upgrade finishes, …":
    // there "this" heads a noun, and the clause ends at its comma like any other.
    let mut ahead = words.clone();
    let noun_phrase = ahead.nth(1).is_some_and(|third| {
        third.ends_with(',')
            || ahead.next().is_some_and(|fourth| {
                let w = fourth.trim_end_matches(',').to_ascii_lowercase();
                (w.ends_with('s') && !w.ends_with("ss") && w.len() > 3 || w.ends_with("ed"))
                    && !["this", "its", "his", "was", "is", "has", "as"].contains(&w.as_str())
            })
    });
    if first == "after"
        && !noun_phrase
        && let Some(second) = words.clone().next()
        && ["this", "that"].contains(&second.to_ascii_lowercase().as_str())
    {
        let rest = text
            .trim_start()
            .split_once(char::is_whitespace)?
            .1
            .trim_start();
        return rest.get(second.len()..).map(str::trim_start);
    }
    // "To ensure the new cluster is deployed, please add it …": a purpose clause before the
    // instruction.
    let clause = [
        "after", "once", "when", "if", "before", "as", "while", "until", "to",
    ];
    // "For each topic you want to move, go to …"; "In addition to updating the file, you
    // will also need to update its tests".
    let second = words.next().map(str::to_ascii_lowercase);
    let each = first == "for"
        && second
            .as_deref()
            .is_some_and(|w| ["each", "every", "all"].contains(&w));
    let besides = first == "besides" || first == "in" && second.as_deref() == Some("addition");
    if !clause.contains(&first) && !each && !besides {
        return None;
    }
    // The clause ends at the first comma outside parentheses ("(eg, the large ones), go …").
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth <= 0 && text[i + 1..].starts_with(char::is_whitespace) => {
                return Some(text[i + 1..].trim_start());
            }
            _ => {}
        }
    }
    // No comma: the clause ends at "done" ("When the build is done post a message …").
    let sentence_end = text.find(". ").unwrap_or(text.len());
    let sentence = text.get(..sentence_end).unwrap_or(text);
    let mut at = 0;
    for word in sentence.split_inclusive(char::is_whitespace) {
        at += word.len();
        let bare = word.trim().to_ascii_lowercase();
        if CLAUSE_ENDS.contains(&bare.as_str()) {
            let rest = sentence.get(at..).unwrap_or("").trim_start();
            return (!rest.is_empty()).then_some(rest);
        }
    }
    None
}

fn starts_with_a_verb(text: &str) -> bool {
    // A word with a colon is a label (`Start: "Deploying …"`), not a verb.
    // Punctuation-only words are skipped; a label reads as an empty word, which no verb is.
    let mut words = text.split_whitespace().filter_map(|w| {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        let label = w.trim_end_matches('*').ends_with(':') && !is_time_marker(bare);
        match (bare.trim_matches('-').is_empty(), label) {
            (true, _) => None,
            (false, true) => Some(""),
            (false, false) => Some(bare),
        }
    });
    let mut word = words.next();
    // "You will also want to push …", "You should also copy …", "You'll need to restart …".
    let youll = |w: &str| w.eq_ignore_ascii_case("you'll") || w.eq_ignore_ascii_case("you’ll");
    if word.is_some_and(|w| w.eq_ignore_ascii_case("you") || youll(w)) {
        let mut modal = word.is_some_and(youll);
        let mut needs_to = modal;
        word = words.next();
        while let Some(w) = word.map(str::to_ascii_lowercase) {
            match w.as_str() {
                "will" => (modal, needs_to) = (true, true),
                "should" | "must" => modal = true,
                "also" | "then" | "now" | "first" | "probably" => {}
                "want" | "need" | "have" if modal => needs_to = false,
                "to" if modal && !needs_to => {}
                _ => break,
            }
            word = words.next();
        }
        // "You should see …", "You will be prompted …": what happens, not what to do.
        let expects = [
            "see", "be", "get", "have", "notice", "receive", "find", "expect",
        ];
        if !modal
            || needs_to
            || word.is_some_and(|w| expects.contains(&w.to_ascii_lowercase().as_str()))
        {
            return false;
        }
    }
    // `T-30m Announce …`, `Step 3: Tag …`, `(optional) uninstall …`
    if word.is_some_and(|w| is_time_marker(w) || w.eq_ignore_ascii_case("optional")) {
        word = words.next();
    }
    for _ in 0..2 {
        match word {
            Some(w) if LEADS.contains(&w.to_ascii_lowercase().as_str()) => word = words.next(),
            _ => break,
        }
    }
    word.is_some_and(|w| !w.is_empty() && VERBS.contains(&w.to_ascii_lowercase().as_str()))
}

/// `T-30m`, `T+0`, `T-1d`: an offset from the go time written before an instruction.
pub fn is_time_marker(word: &str) -> bool {
    let w = word.trim_matches(|c: char| c == '*' || c == ':' || c == ',');
    w.len() >= 2
        && (w.starts_with("T-") || w.starts_with("T+"))
        && w[2..].starts_with(|c: char| c.is_ascii_digit())
}

/// Whether a heading says its section's work is done on other machines: "Work on API
/// Instances", "Updating Node.js Versions on VMs". A handbook groups what is typed on its
/// servers under such headings, after telling once how to ssh in; the steps below them (and
/// in their sub-sections) are typed there.
pub fn heading_works_on_machines(title: &str) -> bool {
    const MACHINES: &[&str] = &[
        "vm",
        "vms",
        "instance",
        "instances",
        "server",
        "servers",
        "node",
        "nodes",
        "host",
        "hosts",
        "machine",
        "machines",
        "droplet",
        "droplets",
        "broker",
        "brokers",
    ];
    let lower = title.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    words
        .iter()
        .enumerate()
        .any(|(i, w)| *w == "on" && words[i + 1..].iter().take(3).any(|n| MACHINES.contains(n)))
        && names_a_machine(title) != Some(false)
}

/// "Spin up new droplets under the project", "Launch a new instance from the image": an
/// instruction that brings up new machines, which the steps after it then work on (the
/// machine is what the next steps are for; the commands that create it are this step's own).
pub fn brings_up_machines(text: &str) -> bool {
    // Machines, not servers: "start a new dev server" runs a process here, and "provision
    // a new server with `terraform apply`" is a command run here.
    const MACHINES: &[&str] = &["droplet", "vm", "instance", "machine"];
    const BRING_UP: &[&str] = &["spin", "launch", "boot", "create"];
    if !is_instruction(text) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    // (verb) [up] (a|an)? new|fresh …up to two words… (machine): "spin up new droplets",
    // "launch a fresh build VM".
    words.iter().enumerate().any(|(i, w)| {
        if !BRING_UP.contains(w) {
            return false;
        }
        let mut k = i + 1;
        if words.get(k) == Some(&"up") {
            k += 1;
        }
        if matches!(words.get(k), Some(&"a" | &"an" | &"some")) {
            k += 1;
        }
        if !matches!(words.get(k), Some(&"new" | &"fresh")) {
            return false;
        }
        words[k + 1..].iter().take(3).any(|n| {
            let noun = n.strip_suffix('s').unwrap_or(n);
            MACHINES.contains(&noun) || MACHINES.contains(n)
        })
    })
}

/// Where a paragraph says commands run: `Some(true)` on another machine ("On a kafka
/// broker, go to …", "Run this on your old server:"), `Some(false)` here ("locally", "on your
/// laptop"), `None` when it says neither.
pub fn names_a_machine(text: &str) -> Option<bool> {
    const MACHINES: &[&str] = &[
        "broker", "node", "host", "server", "machine", "box", "vm", "bastion", "jumphost",
    ];
    const HERE: &[&str] = &["laptop", "workstation", "computer", "desktop"];
    let lower = text.to_ascii_lowercase();
    let here = [
        "locally",
        "local machine",
        "your laptop",
        "your workstation",
        "your computer",
    ];
    if here.iter().any(|h| lower.contains(h)) && !only_a_destination(&lower) {
        return Some(false);
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    // Only where the sentence tells the reader what to do ("On each broker, stop …", "Run this
    // on your old server"): "The config file lives on the server" says where something is.
    let lead = words
        .iter()
        .find(|w| !["then", "then,", "now", "now,", "first,", "next,"].contains(w));
    // "We need to do this on our deployment VMs": a team's own duty says where as plainly.
    let duty = [
        "we need to ",
        "we have to ",
        "we must ",
        "you need to ",
        "you have to ",
    ]
    .iter()
    .any(|d| {
        // Where the steps run ("… do this on our VMs"), not a goal ("… keep Node current on
        // our servers, so first bump …"): the duty is to do or run them.
        lower.match_indices(d).any(|(at, _)| {
            let verb = lower[at + d.len()..]
                .split_whitespace()
                .next()
                .unwrap_or("");
            ["do", "run", "execute", "perform", "apply", "repeat"].contains(&verb)
        })
    });
    let instructs = lead.is_some_and(|w| *w == "on")
        || duty
        || is_instruction(text)
        || words.iter().any(|w| {
            ["run", "execute", "type"].contains(&w.trim_matches(|c: char| !c.is_alphanumeric()))
        });
    if on_a_named_host(&words) {
        return Some(true);
    }
    if !instructs {
        return None;
    }
    if logs_in_elsewhere(&words) {
        return Some(true);
    }
    for (i, w) in words.iter().enumerate() {
        if *w != "on" {
            continue;
        }
        let Some(det) = words.get(i + 1) else { break };
        if !["a", "an", "the", "your", "our", "each", "every", "one"].contains(det) {
            continue;
        }
        // Up to three words before the noun: "on the old database server,".
        for j in i + 2..(i + 6).min(words.len()) {
            let bare = words[j].trim_end_matches([',', ':', '.', ';', ')']);
            let noun = bare.strip_suffix('s').unwrap_or(bare);
            // "on your machine" is this one; "on your old machine" another.
            if HERE.contains(&noun) || *det == "your" && j == i + 2 && noun == "machine" {
                return Some(false);
            }
            // "on your old system", "on the new system": one of two machines.
            let paired = noun == "system"
                && j > i + 2
                && [
                    "old",
                    "new",
                    "source",
                    "target",
                    "destination",
                    "other",
                    "remote",
                ]
                .contains(&words[j - 1]);
            if MACHINES.contains(&noun) || paired {
                // "on the server side", "on the host name": no machine.
                const PARTS: &[&str] = &[
                    "side", "name", "names", "key", "keys", "address", "port", "file", "list",
                    "group", "groups", "pool", "type", "count", "config",
                ];
                let ended = bare.len() < words[j].len();
                let part = !ended
                    && words.get(j + 1).is_some_and(|n| {
                        PARTS.contains(&n.trim_end_matches([',', ':', '.', ';', ')']))
                    });
                return (!part).then_some(true);
            }
        }
    }
    None
}

/// "using `scp` to pull the email list locally": "locally" where data goes (after a verb that
/// moves it), not where the sentence's commands run. Only when it is the one word for here.
fn only_a_destination(lower: &str) -> bool {
    const MOVES: &[&str] = &[
        "pull", "download", "copy", "fetch", "save", "store", "sync", "bring", "cache",
    ];
    let words: Vec<&str> = lower
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    let others = ["local machine", "laptop", "workstation", "computer"];
    !others.iter().any(|o| lower.contains(o))
        && words.iter().enumerate().all(|(i, w)| {
            *w != "locally"
                || words[i.saturating_sub(5)..i]
                    .iter()
                    .any(|v| MOVES.contains(v))
        })
}

/// "This is on rust-central-station:", "These run on `db-primary-01`.": a sentence that says
/// where what follows runs, by a host's name (a word with a dash or a digit, no path). Not "on
/// rust-lang/rust" (a repository), "on 2015-09-17" (a date) or "on T-30m".
fn on_a_named_host(words: &[&str]) -> bool {
    const SAYS_WHERE: &[&str] = &["is", "are", "runs", "run", "happens", "executed", "done"];
    // What the sentence is about: the block below ("This is on …:"), not a workflow or a fix
    // ("Our release workflow runs on ubuntu-22.04", "The fix is on release-1.4:").
    const THE_BLOCK: &[&str] = &["this", "these", "following", "below", "it"];
    const BLOCK_NOUNS: &[&str] = &["command", "commands", "step", "steps", "lines", "block"];
    (2..words.len().saturating_sub(1)).any(|k| {
        if words[k] != "on" || !SAYS_WHERE.contains(&words[k - 1]) {
            return false;
        }
        // "This is on …", "These commands run on …".
        let subject = THE_BLOCK.contains(&words[k - 2])
            || k >= 3 && BLOCK_NOUNS.contains(&words[k - 2]) && THE_BLOCK.contains(&words[k - 3]);
        // It ends the sentence and leads into the block: `rust-central-station:` (an item's
        // title has lost its colon).
        let ends = words[k + 1].ends_with(':') || k + 2 == words.len();
        if !subject || !ends {
            return false;
        }
        let host = words[k + 1]
            .trim_end_matches([':', '.', ',', ';'])
            .trim_matches('`');
        host.starts_with(|c: char| c.is_ascii_lowercase())
            && host
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && host.contains(|c: char| c == '-' || c.is_ascii_digit())
            && !host.ends_with(['-', '.'])
            && !is_time_marker(&host.to_ascii_uppercase())
    })
}

/// "SSH into the instance", "log into the rust-central-station server and run this", "login
/// to central station, and run the following": the commands after it are typed there. Not "the
/// key used to ssh into the nodes", nor "log in to the AWS console".
fn logs_in_elsewhere(words: &[&str]) -> bool {
    const MACHINES: &[&str] = &[
        "server", "instance", "vm", "host", "box", "machine", "node", "bastion", "jumphost",
        "broker",
    ];
    const NOT_A_SHELL: &[&str] = &[
        "console",
        "account",
        "aws",
        "google",
        "github",
        "dashboard",
        "cluster",
        "registry",
        "portal",
        "ui",
        "website",
        "browser",
        "web",
        "vault",
        "app",
        "interface",
    ];
    let bare = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    // "never ssh into production hosts directly"; "log into Grafana and navigate to the
    // dashboard": no shell there.
    if words.iter().any(|w| {
        let w = bare(w);
        ["never", "don't", "not", "avoid"].contains(&w.as_str())
            || NOT_A_SHELL.contains(&w.as_str())
    }) {
        return false;
    }
    for i in 0..words.len() {
        let rest = match (words[i], words.get(i + 1).copied()) {
            ("ssh", Some("into" | "to" | "onto")) => i + 2,
            ("log" | "logged", Some("into" | "onto")) | ("login", Some("to" | "into")) => i + 2,
            ("log", Some("in" | "on")) if words.get(i + 2) == Some(&"to") => i + 3,
            _ => continue,
        };
        // "a key that can be used to ssh into the nodes" describes; it does not instruct.
        if i > 0 && ["to", "can", "used"].contains(&bare(words[i - 1]).as_str()) {
            continue;
        }
        let place: Vec<String> = words[rest..words.len().min(rest + 5)]
            .iter()
            .map(|w| bare(w))
            .collect();
        if place.iter().any(|w| NOT_A_SHELL.contains(&w.as_str())) {
            continue;
        }
        let runs_there = words[rest..].windows(2).take(6).any(|p| {
            p[0].trim_start_matches(',') == "and"
                && ["run", "enter", "navigate"].contains(&bare(p[1]).as_str())
        });
        if words[i] == "ssh"
            || runs_there
            || place
                .iter()
                .any(|w| MACHINES.contains(&w.strip_suffix('s').unwrap_or(w)))
        {
            return true;
        }
    }
    false
}

/// The value a sentence offers as an example of something the reader has their own of:
/// "for your application (e.g. local-links-manager)" → `("application", "local-links-manager")`.
pub fn offered_example(text: &str) -> Option<(String, &str)> {
    let lower = text.to_ascii_lowercase();
    let open = ["(e.g. ", "(e.g., ", "(for example "]
        .iter()
        .find_map(|p| lower.find(p).map(|at| (at, p.len())))?;
    let rest = &text[open.0 + open.1..];
    let value = rest[..rest.find(')')?].trim();
    // (A value with digits is a version or an id, which the notation rules read.)
    let token = value.len() >= 3
        && !value.starts_with('-')
        && !value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    let noun = text[..open.0]
        .split_whitespace()
        .next_back()?
        .trim_matches(|c: char| !c.is_alphanumeric());
    // "your application (e.g. …)": something the reader has their own of.
    let yours = text[..open.0]
        .split_whitespace()
        .rev()
        .take(3)
        .any(|w| w.eq_ignore_ascii_case("your"));
    let named = yours
        && noun.len() >= 3
        && noun.chars().all(|c| c.is_ascii_alphabetic())
        && !["the", "and", "for", "with", "one", "some", "any"]
            .contains(&noun.to_ascii_lowercase().as_str());
    (token && named).then(|| (noun.to_ascii_lowercase(), value))
}

/// "Make sure to run this command inside the `eksctl` directory.": the folder the next block
/// runs in, when the sentence says to run it there.
pub fn folder_to_run_in(text: &str) -> Option<String> {
    // (`**inside**`: emphasis is no word.)
    let text = text.replace('*', "");
    let lower = text.to_ascii_lowercase();
    // "The nightly run keeps its files in …" names a folder, not where to run the block.
    let says_run = ["run ", "execute "].iter().any(|verb| {
        lower.match_indices(verb).any(|(at, _)| {
            let rest = &lower[at + verb.len()..];
            let word_start = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            word_start
                && ["this", "these", "the command", "that command", "it "]
                    .iter()
                    .any(|o| rest.starts_with(o))
        })
    });
    if !says_run {
        return None;
    }
    for cue in ["inside the `", "in the `", "from the `"] {
        let Some(at) = lower.find(cue) else {
            continue;
        };
        let start = at + cue.len();
        let len = lower[start..].find('`')?;
        let after = lower[start + len + 1..].trim_start();
        if after.starts_with("directory") || after.starts_with("folder") {
            let name = &text[start..start + len];
            let plain = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
                && !name.starts_with('/')
                && !name.split('/').any(|c| c == "..");
            return plain.then(|| name.to_string());
        }
    }
    None
}

/// Places other than the terminal where a runbook says a question comes.
const ELSEWHERE: &[&str] = &[
    "ui",
    "slack",
    "email",
    "browser",
    "pr",
    "github",
    "gitlab",
    "web",
    "dashboard",
    "console",
];

/// "After running this command, you will be asked to provide the type of hub": the block
/// before stops for an answer on the terminal, which a step does not have.
pub fn says_it_will_ask(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let first = lower.split(". ").next().unwrap_or("");
    // "If the command succeeds, you will be asked to approve it in the GitHub UI": asked
    // later, or elsewhere, not by the block on its terminal.
    let conditional = ["if ", "when ", "once ", "unless "]
        .iter()
        .any(|c| first.starts_with(c));
    let elsewhere = first
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| ELSEWHERE.contains(&w));
    if conditional || elsewhere {
        return false;
    }
    [
        "you will be asked",
        "you'll be asked",
        "you will be prompted",
        "you'll be prompted",
        "it will ask you",
        "will prompt you",
    ]
    .iter()
    .any(|p| first.contains(p))
}

/// Whether a paragraph announces output rather than a command: what follows it is what the
/// captain should see, not something to run.
pub fn announces_output(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    let t = t.trim_start_matches(|c: char| !c.is_alphanumeric());
    let starts = [
        "output",
        "example output",
        "sample output",
        "expected output",
        "results:",
        "result:",
        "response:",
        "example response",
        "sample response",
        "here's a sample",
        "here is a sample",
        // "Below is a snippet of a `cluster.status` that contains a failing condition."
        "below is a snippet",
        "here is a snippet",
        "sample run",
        "before:",
        "after:",
    ];
    // "Below is a snippet you need to add … and apply:": a snippet the reader is told to use is
    // work, not output.
    const TOLD_TO_USE: &[&str] = &[
        "you need to",
        "you must",
        "you should",
        " add ",
        " apply",
        " paste",
        " run ",
    ];
    if (t.starts_with("below is a snippet") || t.starts_with("here is a snippet"))
        && TOLD_TO_USE.iter().any(|w| t.contains(w))
    {
        return false;
    }
    let contains = [
        "output should",
        "output will",
        "output looks",
        "output is similar",
        "output similar",
        "the response should",
        "response should look",
        "should return",
        "should look like",
        "should look similar",
        "will look like",
        "will return something",
        "will return a",
        "you should see",
        "you will see",
        "looks like this",
        "look like this",
        "will print",
        "prints something like",
        "should print",
        "should show",
        "returns something like",
        "would look like",
    ];
    // A bare "Before" / "After" labels an example pair.
    let label = t.trim_end_matches(|c: char| !c.is_alphanumeric());
    label == "before"
        || label == "after"
        || starts.iter().any(|s| t.starts_with(s))
        || contains.iter().any(|c| t.contains(c))
}

/// Whether a paragraph introduces a description rather than steps: "The script does the
/// following:", "This will:", "The order of precedence is:".
pub fn introduces_explanation(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    [
        "does the following",
        "performs the following",
        "this script will",
        "the script will",
        "this will:",
        "this command will",
        "it will:",
        "order of precedence",
        "consists of",
        "is made of",
        "the following happens",
        "what happens",
        "you have three",
        "you have two",
        "you have several",
        "one of the following",
        "options are",
        "options:",
    ]
    .iter()
    .any(|cue| t.contains(cue))
}

/// "Relevant information includes:": what something holds, so its list is contents, unless the
/// items instruct ("Each release includes:" over "Tag the repo …", decided by the caller).
pub fn says_what_it_includes(text: &str) -> bool {
    text.trim().to_ascii_lowercase().ends_with(" includes:")
}

/// "Our terraform code deploys supporting infrastructure, including:": a statement that lists
/// what something holds or does; its bullets are contents, not steps. Not an instruction
/// ("Back up the data, including:").
pub fn lists_contents(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    [", including:", " including:", ", such as:", " such as:"]
        .iter()
        .any(|end| t.ends_with(end))
        && !is_instruction(text)
}

/// A paragraph that is only the label "Additional information:": the bullets under it are
/// notes (links, permissions needed), not steps. Only the bare label: "Gather additional
/// information for the ticket:" instructs.
pub fn labels_additional_information(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_ascii_lowercase();
    t == "additional information" || t == "additional info"
}

/// A heading over what a role owns or what to read, not what to do ("Responsibilities",
/// "Background", "See also"): its lists are reference.
pub fn names_a_reference_section(title: &str) -> bool {
    const ABOUT: &[&str] = &[
        "responsibilities",
        "additional information",
        "background",
        "references",
        "see also",
        "further reading",
        "glossary",
    ];
    let words = crate::runbook::title::heading_words(title);
    ABOUT.contains(&words.as_str())
}

/// The words of prose as tokens to pick a path or a version from: split at blanks, backticks
/// and commas, without the punctuation that ends a sentence or a clause.
pub fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '`' || c == ',')
        .map(|w| w.trim_end_matches(['.', ':', ';', ')']))
}

/// The file a sentence says to create with the block that follows ("put it in
/// `/tmp/topics.json`:", "create a file - e.g. /var/tmp/dns.json, with the following code",
/// "Create a new configuration file on server1 in /etc/my.cnf.new"): its path.
pub fn file_to_create(text: &str) -> Option<&str> {
    // The verb and the path in one sentence: "Create a new incident ticket. The service logs
    // to /var/log/app.log:" names no file to create.
    crate::runbook::title::sentences(text)
        .into_iter()
        .find_map(|sentence| {
            let lower = sentence.to_ascii_lowercase();
            let says = [
                "create a file",
                "create the file",
                "put it in",
                "put this in",
                "save it",
                "save this",
                "save the following",
                "write it to",
                "write this to",
            ]
            .iter()
            .any(|p| lower.contains(p))
                || lower.contains("create a new")
                    && (lower.contains("file") || lower.contains("config"));
            if !says {
                return None;
            }
            tokens(sentence).find(|w| {
                (w.starts_with('/') || w.starts_with("~/") || w.starts_with("./"))
                    && w.len() > 2
                    && !w.contains("://")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_the_reader_has_their_own_of() {
        assert_eq!(
            offered_example(
                "Retrieve the snapshots for your application (e.g. local-links-manager):"
            ),
            Some(("application".into(), "local-links-manager"))
        );
        assert_eq!(offered_example("Pick a region (e.g. a cheap one)"), None);
        assert_eq!(
            offered_example("Open a terminal multiplexer (e.g. tmux)"),
            None
        );
        assert_eq!(offered_example("Pass your flag (e.g. --dry-run)"), None);
        assert_eq!(offered_example("Restart it (e.g. with systemctl)"), None);
        assert_eq!(offered_example("Restart the service."), None);
        assert_eq!(
            offered_example("Land it on the major branch (e.g. 11.x)"),
            None
        );
    }

    #[test]
    fn prose_names_the_machine_commands_run_on() {
        for remote in [
            "On a kafka broker, go to `/srv/kafka/bin`, generate a plan:",
            "Run the following on your old machine:",
            "Then, on the new database server, restore the dump:",
            "Log in on each node and restart the agent.",
            "Then on the new system, create an empty database:",
            "SSH into the instance and enter sudo",
            "(optional) login to central station, and run the following.",
            "To publish it, log into the rust-central-station server and run this command:",
            "**T-30m** - This is on rust-central-station:",
            "These commands run on `db-primary-01`:",
        ] {
            assert_eq!(names_a_machine(remote), Some(true), "{remote}");
        }
        for here in [
            "Run this locally:",
            "On your laptop, install the CLI:",
            "Collect the dump on your machine through kubectl cp:",
        ] {
            assert_eq!(names_a_machine(here), Some(false), "{here}");
        }
        for neither in [
            "On the server side, requests are retried.",
            "Run the migration:",
            "Depending on the host name, pick a region.",
            "Install the package on the system.",
            "A key that can be used to ssh into the kubernetes nodes.",
            "First, log in to the relevant AWS Console environment:",
            "Login to an OCP cluster",
            "The config file lives on the server.",
            "The agent binary is cached on the host, so restarts are fast.",
            "Note: never ssh into production hosts directly.",
            "Log into Grafana and navigate to the dashboard for the app.",
            "The fix is on rust-lang/rust master.",
            "This is on 2015-09-17, the archive date.",
            "The release is on T-3 days, Monday.",
            "The agent is on version 3.2 everywhere.",
            "Our release workflow runs on ubuntu-22.04, so wheels build there:",
            "The fix is on release-1.4:",
        ] {
            assert_eq!(names_a_machine(neither), None, "{neither}");
        }
        assert_eq!(
            names_a_machine("We need to do this when updating Node.js on our deployment VMs."),
            Some(true)
        );
        assert_eq!(
            names_a_machine("Split the list, using `scp` to pull the list locally."),
            None
        );
        assert_eq!(names_a_machine("Run the linter locally."), Some(false));
        for up in [
            "Sign in to the cloud console, and spin up new droplets under the project.",
            "Launch a fresh build VM from the image.",
        ] {
            assert!(brings_up_machines(up), "{up}");
        }
        for not in [
            "Start a new release branch.",
            "Spin up the existing droplets.",
            "The new server is launched nightly.",
        ] {
            assert!(!brings_up_machines(not), "{not}");
        }
        for remote in ["Work on API Instances", "Updating Node.js Versions on VMs"] {
            assert!(heading_works_on_machines(remote), "{remote}");
        }
        for here in [
            "Get a list of the VMs",
            "Work on Contributor Tools",
            "Notes on hosting",
        ] {
            assert!(!heading_works_on_machines(here), "{here}");
        }
    }

    #[test]
    fn instructions_start_with_a_verb() {
        for t in [
            "Restart the workers",
            "Then, run the migration",
            "**T-30m** Announce the freeze",
            "**T-5m** - Merge blog post.",
            "After the PR is merged, create a release on GitHub:",
            "Re-check the dashboards",
            "Please notify the on-call",
            "SSH into the bastion",
            "Proceed to checkout → verify payment flow",
            "You will also want to push the branch to GitHub and ensure it passes CI.",
            "You should also copy over the `.env.production` file, which contains secrets.",
            "You'll need to restart the workers.",
            "After this update the status page by hand.",
            "After this upgrade finishes, restart the app.",
        ] {
            assert!(is_instruction(t), "{t}");
        }
        for t in [
            "The database is upgraded",
            "Grafana dashboards",
            "PostgreSQL 12 or newer",
            "Via an anonymous tip",
            "Automatically determines the version",
            "**Start:** \"Deploying v1 to prod\"",
            "You should now be able to use the Bash Prompt",
            "You will be prompted for the password.",
            "You should see three nodes.",
            "You will want the logs later.",
            // "this" heads a noun: a fact after the change, no instruction.
            "After this change, the API returns 404 for old clients.",
            "After this upgrade finishes, the API returns 404.",
        ] {
            assert!(!is_instruction(t), "{t}");
        }
    }

    #[test]
    fn lead_ins() {
        assert!(announces_output("The output should look similar to this:"));
        assert!(announces_output("**Results:**"));
        assert!(!announces_output(
            "The following example shows how to take a backup:"
        ));
        assert!(!announces_output(
            "Generate a plan, then inspect the output:"
        ));
        assert!(announces_output("Output:"));
        assert!(announces_output("**Before**") && announces_output("After"));
        assert!(!announces_output("Before you begin, stop the workers."));
        assert!(introduces_explanation(
            "This script performs the following actions:"
        ));
        assert!(!introduces_explanation("Roll out the release:"));
    }
}
