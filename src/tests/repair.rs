//! Repair: an open that discards synced data lowers the watermark, and the
//! lowered watermark reaches the disk (fsync, not fdatasync: attributes are
//! metadata) before the open returns.

use super::sim::{Op, Recorder};
use crate::{OpenOptions, Store};

#[test]
fn a_lowered_watermark_is_made_durable_before_a_repairing_open_returns() {
    let _serial = super::serial();
    let dir = std::env::temp_dir().join(format!("rdrive-repair-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"a", b"first value").unwrap();
    s.write(b"b", b"second value").unwrap();
    let at = s.read(b"b").unwrap().unwrap().start_offset();
    s.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();

    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.repair(true).storage(rec.clone());
    let s = o.open(&path).unwrap();
    assert_eq!(s.len(), 1);
    drop(s);
    let ops = rec.ops();
    let lowered = ops
        .iter()
        .position(|op| matches!(op, Op::SetAttr { .. }))
        .expect("the watermark was rewritten");
    let cut = ops
        .iter()
        .position(|op| matches!(op, Op::SetLen { .. }))
        .expect("the damaged entry was cut");
    assert!(cut < lowered);
    assert!(
        matches!(ops.get(lowered + 1), Some(Op::SyncAll { .. })),
        "fsync right after the lowered watermark: {:?}",
        &ops[lowered..]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
