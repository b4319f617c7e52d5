//! Any text as ~/.aws/config: an error or profiles, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::aws_config(data);
});
