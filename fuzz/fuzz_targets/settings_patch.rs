//! Any bytes as settings.json: parse errors only, never a panic; when it
//! parses, patching keeps every key we do not own.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::settings_patch(data);
});
