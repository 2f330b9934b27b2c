//! Disks attached to another machine: `gcloud compute instances attach-disk provisioner-01
//! --disk recovery-1` puts a disk on provisioner-01, and the blocks after it that mount, copy
//! and unmount (`sudo mount /dev/sdb /mnt/disks/recovery-1`) act on that disk, so they are
//! typed on provisioner-01, though the prose never says so. Between the attach and the detach,
//! a block that acts on the disk and does not call the cloud's own tool runs on the instance: a
//! manual step there. Without a detach, the attach holds to the end of its section.

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

/// Whether a block acts on an attached disk: a device, a mount or file system tool, the
/// disk's name, or a folder the disk was mounted on.
fn touches_the_disk(code: &str, names: &[String]) -> bool {
    const TOOLS: &[&str] = &[
        "mount",
        "umount",
        "mkfs",
        "fsck",
        "lsblk",
        "blkid",
        "resize2fs",
        "xfs_growfs",
        "e2fsck",
    ];
    code.contains("/dev/")
        || names.iter().any(|n| code.contains(n.as_str()))
        || code.split_whitespace().any(|w| {
            let w = w.rsplit('/').next().unwrap_or(w);
            TOOLS.contains(&w) || w.starts_with("mkfs.")
        })
}

/// The disk a line attaches (`--disk NAME`, `--volume-id NAME`) and the folder a line mounts
/// on (`mount /dev/sdb /mnt/x`): names that tie later blocks to the disk.
fn disk_names(line: &str) -> impl Iterator<Item = String> + '_ {
    let words: Vec<&str> = line.split_whitespace().collect();
    let named = words
        .windows(2)
        .filter(|w| w[0] == "--disk" || w[0] == "--volume-id")
        .map(|w| w[1].to_string())
        .collect::<Vec<_>>();
    let mounted = words
        .iter()
        .position(|w| *w == "mount")
        .and_then(|k| {
            words[k + 1..]
                .iter()
                .rfind(|w| w.starts_with('/') && !w.starts_with("/dev/"))
        })
        .map(|w| w.to_string());
    named.into_iter().chain(mounted)
}

/// Turns the shell steps between an attach and its detach that act on the disk and do not
/// call a cloud tool into manual steps on the instance the disks went to. Without a detach,
/// the attach holds to the end of its section (the next heading of its level or higher).
pub fn on_the_instance(phases: &mut [Phase]) {
    let mut host: Option<(String, u8)> = None;
    let mut names: Vec<String> = Vec::new();
    for phase in phases.iter_mut() {
        if host
            .as_ref()
            .is_some_and(|(_, level)| phase.level <= *level)
        {
            host = None;
        }
        let level = phase.level;
        for step in &mut phase.steps {
            let Some(code) = step.code.as_deref() else {
                continue;
            };
            if step.kind != StepKind::Shell {
                continue;
            }
            if let Some(name) = code.lines().find_map(attached_to) {
                // (Scoped from the section the attach is in: a later one at its level ends it.)
                host = Some((name.to_string(), level));
                names = code.lines().flat_map(disk_names).collect();
                continue;
            }
            if code.lines().any(detaches) {
                host = None;
                continue;
            }
            let Some((name, _)) = &host else {
                continue;
            };
            names.extend(code.lines().flat_map(disk_names));
            let cloud = code.lines().any(|l| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|w| CLOUD_TOOLS.contains(&w))
            });
            if cloud || !touches_the_disk(code, &names) {
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
