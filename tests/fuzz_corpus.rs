//! Replays the fuzzing corpus (`fuzz/corpus/<target>/`: inputs that found
//! new coverage, minimized), the inputs that once found a defect
//! (`fuzz/regressions/<target>/`, kept as they are) and any fresh crash
//! reproducers (`fuzz/artifacts/<target>/`) through the same checks the
//! fuzz targets run, so every test run covers them without a fuzzer.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&input));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            n += 1;
        }
    }
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn the_recovery_corpus_passes() {
    replay("recovery", rdrive::fuzz_api::recovery);
}

#[test]
fn the_trailer_corpus_passes() {
    replay("trailer", rdrive::fuzz_api::trailer);
}

#[test]
fn the_watermark_corpus_passes() {
    replay("watermark", rdrive::fuzz_api::watermark);
}

#[test]
fn the_index_cache_corpus_passes() {
    replay("index_cache", rdrive::fuzz_api::index_cache);
}

#[test]
fn the_c_api_corpus_passes() {
    replay("c_api", rdrive::fuzz_api::c_api);
}
