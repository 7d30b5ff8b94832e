//! Real third-party clients written in Python (feed parsers, webhook
//! verifiers), run from a virtualenv that the harness builds once per
//! machine from `tests/python/requirements.txt` (rebuilt when that changes).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The virtualenv's python, with the test requirements installed.
pub fn interpreter() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = crate::repo_root();
        let requirements = root.join("tests/python/requirements.txt");
        let wanted = std::fs::read_to_string(&requirements).expect("tests/python/requirements.txt");
        let venv = root.join("target/test-venv");
        let python = venv.join("bin/python");
        let stamp = venv.join("requirements.installed");
        if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str())
            && python.exists()
        {
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
    })
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
