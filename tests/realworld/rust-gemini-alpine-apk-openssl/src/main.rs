use actix_files as fs;
use actix_web::{get, web, App, HttpServer, Responder, Result};
use native_tls::TlsConnector as NativeTlsConnector;

const INDEX_HTML_TEMPLATE: &'static str = include_str!("./static/index.html");

#[tokio::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .service(fs::Files::new("/assets", "./src/static/assets"))
            .service(bro)
    })
    .bind(("0.0.0.0", 3000))?
    .run()
    .await
}
