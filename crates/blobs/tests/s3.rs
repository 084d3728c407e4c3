//! The S3 backend against a local S3-compatible server (moto, from PyPI), over real HTTP.
//! Skipped with a message when `moto_server` is not installed, except under CI, where it fails.
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use motcua_blobs::Blobs;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_moto() -> Option<(Server, u16)> {
    let port = free_port();
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!("CI must run the S3 test: install moto[server]");
            }
            eprintln!("skipped: moto_server not installed (pip install 'moto[server]')");
            return None;
        }
    };
    let server = Server(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((server, port));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not start");
}

#[tokio::test]
async fn s3_backend_stores_reads_and_sweeps() {
    let Some((_server, port)) = start_moto() else {
        return;
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    // SAFETY: this test binary has this one test; no other thread reads the environment yet.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_DEFAULT_REGION", "us-east-1");
        std::env::set_var("AWS_ENDPOINT", &endpoint);
        std::env::set_var("AWS_ALLOW_HTTP", "true");
    }
    let ok = Command::new("curl")
        .args(["-sf", "-X", "PUT", &format!("{endpoint}/motcua-test")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "create the bucket");
    let staging = tempfile::tempdir().unwrap();
    let b = Blobs::open_s3("s3://motcua-test", staging.path()).unwrap();
    // A small file: one PUT.
    let mut u = b.begin(1 << 20).await.unwrap();
    u.write(b"%PDF-1.7 small file on S3").await.unwrap();
    let small = b.commit(u.finish().await.unwrap()).await.unwrap();
    assert_eq!(
        b.read_verified(&small).await.unwrap(),
        b"%PDF-1.7 small file on S3"
    );
    // A large file: a multipart upload, read back whole and checked against its hash.
    let mut u = b.begin(64 << 20).await.unwrap();
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    for _ in 0..19 {
        u.write(&chunk).await.unwrap();
    }
    let big = b.commit(u.finish().await.unwrap()).await.unwrap();
    assert_eq!(b.read_verified(&big).await.unwrap().len(), 19 * 1024 * 1024);
    assert_eq!(b.temp_files(), 0, "staged files are removed after upload");
    // The same content again is the same object; an unreferenced one is swept.
    let mut u = b.begin(1 << 20).await.unwrap();
    u.write(b"%PDF-1.7 small file on S3").await.unwrap();
    b.commit(u.finish().await.unwrap()).await.unwrap();
    let mut all = b.list().await.unwrap();
    all.sort();
    let mut want = vec![small.clone(), big.clone()];
    want.sort();
    assert_eq!(all, want);
    let keep: HashSet<String> = [small.clone()].into_iter().collect();
    assert_eq!(b.sweep(&keep, Duration::ZERO).await.unwrap(), (0, 1));
    assert!(b.exists(&small).await && !b.exists(&big).await);
}
