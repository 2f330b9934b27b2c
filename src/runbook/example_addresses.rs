//! Addresses of an example the prose declares to run on one machine: "This example shows how
//! to upgrade a 3-member cluster running on a local machine." The section's commands then talk
//! to `localhost:2379`, `localhost:22379`, … which are the example's members, not the reader's.
//! Each such address is an input named after its port (`<ENDPOINT_2379>`), asked once and used
//! wherever the example used that address.

use crate::runbook::model::Phase;

/// Whether a phase's text declares its commands an example run on the local machine.
fn declares_local_example(description: &str) -> bool {
    description.split("\n\n").any(|para| {
        let lower = para.to_ascii_lowercase();
        // ("The example commands below run locally" is about the commands, not a cluster the
        // example runs.)
        let example = lower.contains("this example");
        let local = ["local machine", "locally", "on localhost", "single machine"]
            .iter()
            .any(|w| lower.contains(w));
        example && local && !lower.trim_start().starts_with(['`', '>', '-', '|'])
    })
}

/// `localhost:2379` and `127.0.0.1:2379` in `code`: each distinct one with its input name.
fn addresses(code: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let forwarded = forwarded_ports(code);
    for host in ["localhost:", "127.0.0.1:"] {
        for (at, _) in code.match_indices(host) {
            // (Part of a longer name: `my-localhost:1`.)
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                continue;
            }
            let rest = &code[at + host.len()..];
            let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if port.is_empty() || port.len() > 5 {
                continue;
            }
            // A port the block forwards itself (`kubectl port-forward`, `ssh -L`) is the
            // captain's own way through, not an example's member.
            if forwarded.contains(&port) {
                continue;
            }
            let text = format!("{host}{port}");
            if seen.insert(text.clone()) {
                out.push((text, format!("ENDPOINT_{port}")));
                // (Beyond a few members it is no example cluster: stop reading.)
                if out.len() > MAX_MEMBERS {
                    return out;
                }
            }
        }
    }
    out
}

/// The most members an example cluster has.
const MAX_MEMBERS: usize = 16;

/// The local ports `code` forwards: `kubectl port-forward svc/db 5432:5432`, `ssh -L
/// 5432:db:5432 host`.
fn forwarded_ports(code: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for line in code.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let forwarding = words.contains(&"port-forward");
        for (k, w) in words.iter().enumerate() {
            let spec = if forwarding && w.contains(':') && !w.starts_with('-') {
                Some(*w)
            } else if *w == "-L" {
                words.get(k + 1).copied()
            } else {
                w.strip_prefix("-L").filter(|r| !r.is_empty())
            };
            if let Some(spec) = spec {
                let port: String = spec
                    .trim_start_matches(|c: char| !c.is_ascii_digit())
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !port.is_empty() {
                    out.insert(port);
                }
            }
        }
    }
    out
}

/// Makes the local addresses in the shell steps of each phase that declares a local example
/// (and of its subsections) inputs.
pub fn ask_for_example_addresses(phases: &mut [Phase]) {
    let mut k = 0;
    while k < phases.len() {
        if !declares_local_example(&phases[k].description) {
            k += 1;
            continue;
        }
        let level = phases[k].level;
        let end = (k + 1..phases.len())
            .find(|&i| phases[i].level <= level)
            .unwrap_or(phases.len());
        for phase in &mut phases[k..end] {
            for step in &mut phase.steps {
                let Some(code) = step.shell_code() else {
                    continue;
                };
                let found = addresses(code);
                // (Beyond a few members it is no example cluster: leave it, and the work linear.)
                if found.is_empty() || found.len() > MAX_MEMBERS {
                    continue;
                }
                let mut text = code.to_string();
                for (address, name) in &found {
                    text = replace_address(&text, address, &format!("<{name}>"));
                    if !step.inputs.contains(name) {
                        step.inputs.push(name.clone());
                    }
                }
                step.code = Some(text);
            }
        }
        k = end;
    }
}

/// Replaces `address` where it is not followed by another digit (`localhost:2379` is not
/// part of `localhost:23790`).
fn replace_address(code: &str, address: &str, with: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut last = 0;
    for (at, _) in code.match_indices(address) {
        let after = code[at + address.len()..].chars().next();
        let before = code[..at].chars().next_back();
        if after.is_some_and(|c| c.is_ascii_digit())
            || before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            continue;
        }
        out.push_str(&code[last..at]);
        out.push_str(with);
        last = at + address.len();
    }
    out.push_str(&code[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_example_addresses() {
        assert!(declares_local_example(
            "This example shows how to upgrade a 3-member cluster running on a local machine."
        ));
        assert!(!declares_local_example("Run the server locally first."));
        assert!(!declares_local_example(
            "The example commands below run locally, through the port-forward to the database."
        ));
        // A port the block forwards is the captain's own.
        assert!(
            addresses(
                "kubectl port-forward svc/db 5432:5432 &\npsql postgres://app@localhost:5432/app"
            )
            .is_empty()
        );
        assert!(
            addresses("ssh -L 6379:cache:6379 bastion\nredis-cli -h localhost:6379").is_empty()
        );
        let found = addresses("curl localhost:2379/v; etcdctl --endpoints=localhost:22379");
        assert_eq!(
            found[1],
            ("localhost:22379".into(), "ENDPOINT_22379".into())
        );
        assert_eq!(
            replace_address("a=localhost:2379,localhost:23790", "localhost:2379", "<E>"),
            "a=<E>,localhost:23790"
        );
    }
}
