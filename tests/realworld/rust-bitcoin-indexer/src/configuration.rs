use std::{env, error, net::IpAddr};

fn var(key: &str, default: Option<String>) -> Result<String, String> {
    match env::var(key) {
        Ok(value) => Ok(value),
        Err(_) => default.ok_or(format!("Missing {}", key)),
    }
}

pub struct Configuration { store_file_path: String }
impl Configuration {
    pub fn new() -> Self {
        let store_file_path = var("STORE_FILE_PATH", None).unwrap();
        Self { store_file_path }
    }
    pub fn store_file_path(&self) -> &str { &self.store_file_path }
}
