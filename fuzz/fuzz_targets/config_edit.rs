//! Any text as an AWS INI file: edits keep every other line byte for byte.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::config_edit(data);
});
