//! Papers previewed on the staff pages without serving them (R11.1, R4.4): what reaches the
//! browser is a JPEG this side made, never the person's bytes. A photo is decoded (within the
//! upload check's bounds) and encoded again at most [`LONG_SIDE`] pixels on its longer side,
//! which also drops its metadata. A PDF page is rendered by poppler's `pdftoppm`, in a process
//! of its own: the file goes in on its standard input, the image comes out on its standard
//! output, it runs with an empty environment under `prlimit` (util-linux), which bounds its
//! memory, CPU time, open files and the files it may write (none), and it is killed after a time
//! limit. Without `prlimit` no PDF is rendered.
use std::process::Stdio;
use std::time::Duration;

use motcua_domain::dossier::FileKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use crate::inspect::{Problem, decode, load_pdf};

/// The longer side of a preview, in pixels: an A4 page readable on an office screen.
pub const LONG_SIDE: u32 = 1400;

/// The JPEG quality of previews: scans stay legible at a fraction of a PNG's size.
const QUALITY: u8 = 82;

/// The memory (address space) and CPU seconds a rendering process may take.
const MEMORY: u64 = 1024 * 1024 * 1024;
const CPU_SECS: u64 = 30;

/// The most bytes a rendered page may have: anything beyond is not a 1400-pixel JPEG.
const MAX_OUT: u64 = 16 * 1024 * 1024;

/// Why a paper has no preview.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The kind is never previewed (a detached signature), or cannot be decoded here (HEIC).
    #[error("không xem trước được loại tệp này")]
    Unsupported,
    /// No such page.
    #[error("tệp không có trang {0}")]
    NoPage(u32),
    /// The file does not parse.
    #[error("{0}")]
    Broken(#[from] Problem),
    /// `pdftoppm` or `prlimit` is not installed on the server.
    #[error("máy chủ chưa cài {0} để xem trước PDF")]
    NoRenderer(&'static str),
    /// The renderer failed or ran out of time: why, for the log (people read a plain sentence).
    #[error("không dựng được trang này")]
    Failed(String),
}

/// Whether a kind of file has previews.
pub fn previewable(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::Pdf | FileKind::Jpeg | FileKind::Png | FileKind::Webp
    )
}

/// How many pages a paper has (a photo has one).
pub fn pages(kind: FileKind, bytes: &[u8]) -> Result<u32, PreviewError> {
    match kind {
        FileKind::Pdf => {
            let n = load_pdf(bytes)?.get_pages().len();
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        }
        k if previewable(k) => Ok(1),
        _ => Err(PreviewError::Unsupported),
    }
}

/// One page of a paper as a JPEG of at most [`LONG_SIDE`] pixels (pages count from 1).
pub async fn render(
    kind: FileKind,
    bytes: Vec<u8>,
    page: u32,
    limit: Duration,
) -> Result<Vec<u8>, PreviewError> {
    let format = match kind {
        FileKind::Pdf => return pdf_page(bytes, page, limit).await,
        FileKind::Jpeg => image::ImageFormat::Jpeg,
        FileKind::Png => image::ImageFormat::Png,
        FileKind::Webp => image::ImageFormat::WebP,
        FileKind::Heic | FileKind::Cms => return Err(PreviewError::Unsupported),
    };
    if page != 1 {
        return Err(PreviewError::NoPage(page));
    }
    tokio::task::spawn_blocking(move || photo(&bytes, format))
        .await
        .map_err(|e| PreviewError::Failed(e.to_string()))?
}

fn photo(bytes: &[u8], format: image::ImageFormat) -> Result<Vec<u8>, PreviewError> {
    let img = decode(bytes, format)?;
    let img = if img.width().max(img.height()) > LONG_SIDE {
        img.resize(LONG_SIDE, LONG_SIDE, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY);
    img.to_rgb8()
        .write_with_encoder(enc)
        .map_err(|e| PreviewError::Failed(e.to_string()))?;
    Ok(out)
}

/// A PDF page through `pdftoppm`, bounded by `limit` (killed when it passes).
async fn pdf_page(bytes: Vec<u8>, page: u32, limit: Duration) -> Result<Vec<u8>, PreviewError> {
    // Counting the pages parses the file: off the async workers.
    let (n, bytes) = tokio::task::spawn_blocking(move || (pages(FileKind::Pdf, &bytes), bytes))
        .await
        .map_err(|e| PreviewError::Failed(e.to_string()))?;
    if page == 0 || page > n? {
        return Err(PreviewError::NoPage(page));
    }
    let p = page.to_string();
    let scale = LONG_SIDE.to_string();
    let quality = format!("quality={QUALITY}");
    let args = [
        "-f",
        &p,
        "-l",
        &p,
        "-scale-to",
        &scale,
        "-jpeg",
        "-jpegopt",
        &quality,
        "-singlefile",
        "-q",
        "-",
    ];
    let prlimit = which("prlimit").ok_or(PreviewError::NoRenderer("prlimit (gói util-linux)"))?;
    let pdftoppm =
        which("pdftoppm").ok_or(PreviewError::NoRenderer("pdftoppm (gói poppler-utils)"))?;
    let mut cmd = Command::new(prlimit);
    cmd.arg(format!("--as={MEMORY}"))
        .arg(format!("--cpu={CPU_SECS}"))
        .arg("--fsize=0")
        .arg("--nofile=64")
        .arg("--")
        .arg(pdftoppm)
        .args(args)
        // Nothing of the server's environment (its settings, its secrets) reaches the renderer.
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let run = async {
        let mut child = cmd
            .spawn()
            .map_err(|e| PreviewError::Failed(format!("không chạy được pdftoppm: {e}")))?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut stdout = child.stdout.take().expect("piped");
        // Written while the output is read: a renderer that answers before reading all of its
        // input must not block on a full pipe.
        let write = async move {
            let r = stdin.write_all(&bytes).await;
            drop(stdin);
            r
        };
        let read = async move {
            let mut out = Vec::new();
            (&mut stdout).take(MAX_OUT).read_to_end(&mut out).await?;
            Ok::<_, std::io::Error>(out)
        };
        let (w, r) = tokio::join!(write, read);
        let out = r.map_err(|e| PreviewError::Failed(e.to_string()))?;
        let status = child
            .wait()
            .await
            .map_err(|e| PreviewError::Failed(e.to_string()))?;
        // A broken pipe only means it stopped reading; its status says whether it finished.
        if !status.success() {
            return Err(PreviewError::Failed(format!(
                "pdftoppm kết thúc với {status}{}",
                w.err().map(|e| format!(" ({e})")).unwrap_or_default()
            )));
        }
        if !out.starts_with(&[0xFF, 0xD8]) {
            return Err(PreviewError::Failed(
                "pdftoppm không trả về ảnh JPEG".into(),
            ));
        }
        Ok(out)
    };
    match tokio::time::timeout(limit, run).await {
        Ok(r) => r,
        Err(e) => Err(PreviewError::Failed(format!(
            "quá {} giây ({e})",
            limit.as_secs()
        ))),
    }
}

/// A program on the `PATH` (and in `/usr/sbin`, `/usr/bin`), when installed.
fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    #[tokio::test]
    async fn a_photo_comes_back_as_a_smaller_jpeg_of_its_own() {
        let png = samples::png(2000, 1000);
        let out = render(FileKind::Png, png.clone(), 1, Duration::from_secs(10))
            .await
            .unwrap();
        let img = image::load_from_memory_with_format(&out, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (LONG_SIDE, 700));
        assert_ne!(out, png);
        assert!(matches!(
            render(FileKind::Png, png, 2, Duration::from_secs(10)).await,
            Err(PreviewError::NoPage(2))
        ));
        assert!(matches!(
            render(FileKind::Cms, vec![0x30], 1, Duration::from_secs(10)).await,
            Err(PreviewError::Unsupported)
        ));
    }

    #[tokio::test]
    async fn a_pdf_page_is_rendered_by_pdftoppm() {
        if which("pdftoppm").is_none() || which("prlimit").is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI installs poppler-utils"
            );
            eprintln!("skipped: pdftoppm is not installed");
            return;
        }
        let pdf = samples::pdf(3000);
        assert_eq!(pages(FileKind::Pdf, &pdf).unwrap(), 1);
        let out = render(FileKind::Pdf, pdf.clone(), 1, Duration::from_secs(20))
            .await
            .unwrap();
        let img = image::load_from_memory_with_format(&out, image::ImageFormat::Jpeg).unwrap();
        assert_eq!(img.width().max(img.height()), LONG_SIDE);
        assert!(matches!(
            render(FileKind::Pdf, pdf, 2, Duration::from_secs(20)).await,
            Err(PreviewError::NoPage(2))
        ));
    }
}
