//! Disks attached to another machine: `gcloud compute instances attach-disk provisioner-01
//! --disk recovery-1` puts a disk on provisioner-01, and the blocks after it that mount, copy
//! and unmount (`sudo mount /dev/sdb /mnt/disks/recovery-1`) act on that disk, so they are
//! typed on provisioner-01, though the prose never says so. Between the attach and the detach,
//! a block that does not call the cloud's own tool runs on the instance: a manual step there.

use crate::runbook::model::{Phase, StepKind};

/// The cloud tools that attach and detach disks from the captain's machine: their blocks run
/// here.
const CLOUD_TOOLS: &[&str] = &["gcloud", "aws", "az", "doctl", "openstack"];

/// The instance a line attaches a disk to (`… attach-disk NAME`, `… attach-volume
/// --instance-id NAME`), if any.
fn attached_to(line: &str) -> Option<&str> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "attach-disk" || *w == "attach-volume")?;
    if let Some(k) = words
        .iter()
        .position(|w| *w == "--instance-id" || *w == "--instance")
    {
        return words.get(k + 1).copied();
    }
    words.get(at + 1).copied().filter(|w| !w.starts_with('-'))
}

/// Whether a line detaches a disk.
fn detaches(line: &str) -> bool {
    line.split_whitespace()
        .any(|w| w == "detach-disk" || w == "detach-volume")
}

/// Turns the shell steps between an attach and its detach that do not call a cloud tool into
/// manual steps on the instance the disks went to.
pub fn on_the_instance(phases: &mut [Phase]) {
    let mut host: Option<String> = None;
    for step in phases.iter_mut().flat_map(|p| &mut p.steps) {
        let Some(code) = step.code.as_deref() else {
            continue;
        };
        if step.kind != StepKind::Shell {
            continue;
        }
        if let Some(name) = code.lines().find_map(attached_to) {
            host = Some(name.to_string());
            continue;
        }
        if code.lines().any(detaches) {
            host = None;
            continue;
        }
        let Some(name) = &host else {
            continue;
        };
        let cloud = code.lines().any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| CLOUD_TOOLS.contains(&w))
        });
        if cloud {
            continue;
        }
        step.kind = StepKind::Manual;
        step.inputs.clear();
        step.renew.clear();
        step.sets.clear();
        let note = format!(
            "Do this on {name}, where the disks are attached (an earlier step attached them)."
        );
        step.detail = if step.detail.is_empty() {
            note
        } else {
            format!("{note}\n\n{}", step.detail)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_lines() {
        assert_eq!(
            attached_to("gcloud compute instances attach-disk provisioner-01 --disk d1"),
            Some("provisioner-01")
        );
        assert_eq!(
            attached_to(
                "aws ec2 attach-volume --volume-id v --instance-id i-123 --device /dev/sdf"
            ),
            Some("i-123")
        );
        assert!(attached_to("gcloud compute disks create d1").is_none());
        assert!(detaches(
            "gcloud compute instances detach-disk provisioner-01 --disk d1"
        ));
    }
}
