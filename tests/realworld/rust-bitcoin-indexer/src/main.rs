pub mod configuration;
use self::configuration::Configuration;
use std::fs::File;
fn main() {
    let configuration = Configuration::new();
    // store.to_file(configuration.store_file_path()) -- writes the index file (verbatim main.rs is larger)
    let _ = File::create(configuration.store_file_path());
}
