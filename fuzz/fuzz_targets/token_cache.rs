//! Any bytes as an SSO token cache file: an error or a token, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bedrock_tray::fuzzing::token_cache(data);
});
