//! The ceiling for HTTP on this machine: a minimal axum server answering a fixed small body.
//! Benchmarks report motcua's figures as a ratio to this server's, measured in the same run.
//! The same server as the library's `ceiling_server`, on an address of one's choosing, for
//! measuring with another load tool.
//! Usage: cargo run --release -p motcua-bench --example ceiling -- 127.0.0.1:8090
#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    eprintln!("ceiling: http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.expect("serve");
}
