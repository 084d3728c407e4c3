//! Other programs the tests and the benchmark run beside motcua on loopback: server copies of
//! the real binary, moto's S3 server, nginx as the load balancer.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process killed when dropped, however the test ends.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port` (10 s at most).
pub fn wait_port(port: u16, what: &str) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not start on port {port}");
}

/// Runs `motcua serve` (the binary at `bin`) with `env` in `dir`, on free loopback ports; answers
/// the process and its base URL, once it listens. `MOTCUA_TEST_SERVER_LOG=1` shows its log.
pub fn serve(
    bin: &Path,
    db: &str,
    dir: &Path,
    demo: bool,
    env: &[(&str, &str)],
) -> (Child, String) {
    let mut args = vec!["serve"];
    if demo {
        args.push("--demo");
    }
    let mut child = Command::new(bin)
        .args(&args)
        .env("MOTCUA_DATABASE_URL", db)
        .env("MOTCUA_DATA_DIR", dir)
        .env("MOTCUA_PRIVACY__KEYS", motcua_store::testing::TEST_KEYS)
        .env("MOTCUA_LISTEN", "127.0.0.1:0")
        .env("MOTCUA_ADMIN_LISTEN", "127.0.0.1:0")
        .env("MOTCUA_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let l = lines.next().expect("server output").unwrap();
        if let Some(rest) = l.strip_prefix("motcua: ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let show = std::env::var("MOTCUA_TEST_SERVER_LOG").is_ok();
    std::thread::spawn(move || {
        for l in lines.map_while(|l| l.ok()) {
            if show {
                eprintln!("server: {l}");
            }
        }
    });
    (child, base)
}

/// moto's S3 server on a free port, with the bucket `bucket`; answers it and its endpoint.
pub fn moto(bucket: &str) -> (Proc, String) {
    let port = free_port();
    let p = Proc(
        Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (pip install 'moto[server]')"),
    );
    wait_port(port, "moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let ok = Command::new("curl")
        .args(["-sf", "-X", "PUT", &format!("{endpoint}/{bucket}")])
        .status()
        .unwrap();
    assert!(ok.success(), "create the bucket");
    (p, endpoint)
}

/// The environment that points a server copy at moto's S3 server.
pub fn s3_env(endpoint: &str, bucket: &str) -> Vec<(String, String)> {
    [
        ("MOTCUA_BLOB_URL", format!("s3://{bucket}")),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT", endpoint.into()),
        ("AWS_ALLOW_HTTP", "true".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// nginx on a free port in `dir`, round robin over `upstreams` (base URLs); answers it and its
/// base URL.
pub fn nginx(dir: &Path, upstreams: &[String]) -> (Proc, String) {
    let port = free_port();
    let servers: String = upstreams
        .iter()
        .map(|u| format!("    server {};\n", u.trim_start_matches("http://")))
        .collect();
    let conf = format!(
        "worker_processes 1;\nerror_log {dir}/error.log warn;\npid {dir}/nginx.pid;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n\
         proxy_temp_path {dir}/proxy;\n  client_max_body_size 64m;\n\
         upstream motcua {{\n{servers}    keepalive 64;\n  }}\n\
         server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
         proxy_pass http://motcua;\n      proxy_http_version 1.1;\n\
         proxy_set_header Connection \"\";\n      proxy_set_header Host $http_host;\n\
         proxy_set_header X-Forwarded-For $remote_addr;\n\
         proxy_connect_timeout 2s;\n      proxy_next_upstream error timeout;\n    }}\n  }}\n}}\n",
        dir = dir.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let nginx = ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find(|p| Command::new(p).arg("-v").output().is_ok())
        .expect("nginx (apt-get install nginx-light)");
    let p = Proc(
        Command::new(nginx)
            .args(["-p", &dir.display().to_string(), "-c"])
            .arg(&path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    wait_port(port, "nginx");
    (p, format!("http://127.0.0.1:{port}"))
}
