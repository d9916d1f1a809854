//! Read-only opens in other processes, in a loop, while a writer appends,
//! aborts large streams (which shortens the file), cuts torn tails at
//! reopen and compacts: every open gets a consistent store or an error,
//! never a signal (SIGBUS), and every value it reads is one that was
//! written.
//!
//! `RDRIVE_STRESS_SECS` (default 3) sets how long it runs; `scripts/soak.sh`
//! runs it for minutes.

mod common;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, child_path, serial};
use rdrive::{OpenOptions, Store};

/// Values say who they are: key number, version, then a pattern.
fn value(k: u32, v: u32, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&k.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
    while out.len() < len {
        out.push((k.wrapping_mul(31) ^ v ^ out.len() as u32) as u8);
    }
    out
}

fn valid(bytes: &[u8]) -> bool {
    if bytes.len() < 8 {
        return false;
    }
    let k = u32::from_le_bytes(bytes[..4].try_into().unwrap());
    let v = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    value(k, v, bytes.len()) == bytes
}

/// Child: opens the store read-only in a loop and checks every value,
/// until the parent removes the `go` file. Prints how many opens it made.
#[test]
#[ignore = "run by another test as a reader process"]
fn reader_role() {
    let path = child_path();
    let go = path.with_extension("go");
    let (mut opens, mut errors, mut entries) = (0u64, 0u64, 0u64);
    while go.exists() {
        match Store::open_read_only(&path) {
            Ok(s) => {
                opens += 1;
                for e in s.iter_entries() {
                    assert!(valid(&e), "a read-only open returned bytes nobody wrote");
                    entries += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    println!("OPENS={opens} ERRORS={errors} ENTRIES={entries}");
}

/// A source that hands out `len` bytes and then fails.
struct Doomed {
    left: usize,
}

impl Read for Doomed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other("the source went away"));
        }
        let n = buf.len().min(self.left);
        buf[..n].fill(0xAB);
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn read_only_opens_never_crash_while_a_writer_shortens_the_file() {
    let _serial = serial();
    let secs: u64 = std::env::var("RDRIVE_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = TempDir::new("ro-beside-writer");
    let path = dir.file("s.rdrive");
    let go = path.with_extension("go");
    std::fs::write(&go, b"").unwrap();
    let mut opts = OpenOptions::new();
    opts.index_cache(false);
    let mut store = Some(opts.open(&path).unwrap());
    for k in 0..50u32 {
        store
            .as_ref()
            .unwrap()
            .write(&k.to_le_bytes(), &value(k, 0, 100))
            .unwrap();
    }
    let readers: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--ignored",
                    "--exact",
                    "reader_role",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("RDRIVE_TEST_PATH", &path)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let started = Instant::now();
    let mut round = 0u32;
    while started.elapsed() < Duration::from_secs(secs) {
        round += 1;
        let s = store.as_ref().unwrap();
        for k in 0..20u32 {
            s.write(
                &k.to_le_bytes(),
                &value(k, round, 64 + (k as usize * 37) % 900),
            )
            .unwrap();
        }
        // An aborted stream writes megabytes, then cuts them off.
        let mut src = Doomed { left: 3 << 20 };
        assert!(s.write_stream(b"doomed", &mut src).is_err());
        if round.is_multiple_of(3) {
            // A torn tail (as a crash leaves), cut by the next read-write
            // open while readers are opening the file.
            store.take().unwrap().close().unwrap();
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            std::io::Write::write_all(&mut f, &vec![0x5Au8; 1 << 20]).unwrap();
            drop(f);
            store = Some(opts.open(&path).unwrap());
        }
        if round.is_multiple_of(7) {
            store.as_ref().unwrap().compact().unwrap();
        }
    }
    std::fs::remove_file(&go).unwrap();
    let mut opens = 0;
    for child in readers {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.signal(),
            None,
            "a reader process died of signal {:?}",
            out.status.signal()
        );
        assert!(out.status.success(), "a reader failed:\n{text}");
        let n: u64 = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("OPENS="))
            .and_then(|n| n.parse().ok())
            .expect("the reader reports its opens");
        opens += n;
    }
    eprintln!("{round} writer rounds, {opens} read-only opens in 2 processes, 0 signals");
    assert!(opens > 0);
}
