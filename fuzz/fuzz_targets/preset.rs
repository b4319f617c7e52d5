//! Any text as a team preset: a validated preset or an error naming the
//! file, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::preset(data);
});
