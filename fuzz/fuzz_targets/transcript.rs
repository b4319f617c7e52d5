//! Any bytes as a Claude Code transcript: lines parse the same every time,
//! and the usage index counts a file read in two parts as read whole.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::transcript(data);
});
