//! Per-write sync (`sync_writes`): every write is durable when it returns,
//! and the watermark follows the synced tail every few megabytes (so an
//! open after a power loss re-verifies at most that much), not at every
//! write (an attribute write per call would double the cost of a sync).

use super::sim::{Op, Recorder};
use crate::OpenOptions;

#[test]
fn with_per_write_sync_the_watermark_follows_every_four_mebibytes() {
    let _serial = super::serial();
    let dir = scratch("cadence");
    let path = dir.join("s.rdrive");
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.sync_writes(true).storage(rec.clone());
    let s = o.open(&path).unwrap();
    let opened = rec.ops().len();
    // With its trailer each entry takes exactly 256 KiB: 16 of them are
    // exactly 4 MiB.
    let value = vec![0x5Au8; 256 * 1024 - 20];
    for i in 0..40u32 {
        s.write(&i.to_le_bytes(), &value).unwrap();
    }
    let ops = rec.ops();
    let after_open = &ops[opened..];
    let syncs = after_open
        .iter()
        .filter(|op| matches!(op, Op::SyncData { .. }))
        .count();
    assert_eq!(syncs, 40, "one sync per write");
    // The synced tail reaches 4 MiB past the last mark with the 16th and
    // the 32nd write.
    let mut synced = 0;
    let mut marked_after = Vec::new();
    for op in after_open {
        match op {
            Op::SyncData { .. } => synced += 1,
            Op::SetAttr { .. } => marked_after.push(synced),
            _ => {}
        }
    }
    assert_eq!(marked_after, [16, 32]);
    s.close().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

fn scratch(tag: &str) -> std::path::PathBuf {
    super::scratch(&format!("sync-{tag}"))
}

#[test]
fn a_sync_makes_the_writes_durable_then_records_the_watermark_and_a_second_does_nothing() {
    let _serial = super::serial();
    let dir = scratch("twice");
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.storage(rec.clone());
    let s = o.open(dir.join("s.rdrive")).unwrap();
    s.write(b"a", b"one").unwrap();
    let before = rec.ops().len();
    s.sync().unwrap();
    let ops = rec.ops();
    let first: Vec<&Op> = ops[before..].iter().collect();
    assert!(
        matches!(first[..], [Op::SyncData { .. }, Op::SetAttr { .. }]),
        "{first:?}"
    );
    let before = ops.len();
    s.sync().unwrap();
    let again = rec.ops().len() - before;
    assert_eq!(again, 0, "nothing new to sync: {:?}", &rec.ops()[before..]);
    s.close().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn with_per_write_sync_a_torn_sector_lookalike_is_synced_once_under_a_durable_watermark() {
    let _serial = super::serial();
    let dir = scratch("lookalike");
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.sync_writes(true).storage(rec.clone());
    let s = o.open(dir.join("s.rdrive")).unwrap();
    s.write(b"a", b"one").unwrap();
    let key = super::sim::lookalike_key();
    let zeros = vec![0u8; super::sim::lookalike_len(s.file_size())];
    let before = rec.ops().len();
    s.write(&key, &zeros).unwrap();
    let ops = rec.ops();
    let durable: Vec<&Op> = ops[before..]
        .iter()
        .filter(|op| !matches!(op, Op::Write { .. }))
        .collect();
    assert!(
        matches!(
            durable[..],
            [Op::SyncData { .. }, Op::SetAttr { .. }, Op::SyncAll { .. }]
        ),
        "{durable:?}"
    );
    s.close().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
