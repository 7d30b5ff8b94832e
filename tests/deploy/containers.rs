//! `deploy/docker/Dockerfile`, `.dockerignore` and `deploy/docker-compose.yml`,
//! checked without a container engine: Docker Compose's own loader (which
//! validates against the compose specification's schema) and hadolint, both
//! from PyPI (`tests/python/deploy-tools.txt`).

use std::process::Command;

use newsfeed_tests::python::deploy_tool;

use crate::{repo, run, yaml};

const SERVICES: [&str; 3] = ["ingest", "enrich", "publish"];

#[test]
fn the_compose_file_passes_the_compose_specification() {
    let (ok, said) = run(Command::new(deploy_tool("docker-compose"))
        .arg("-f")
        .arg(repo("deploy/docker-compose.yml"))
        .args(["config", "--quiet"]));
    assert!(
        ok && said.trim().is_empty(),
        "docker compose config: {said}"
    );
}

#[test]
fn compose_waits_for_readiness_and_brings_up_prometheus_and_grafana() {
    // As Compose resolves it: anchors and merges applied.
    let (ok, said) = run(Command::new(deploy_tool("docker-compose"))
        .arg("-f")
        .arg(repo("deploy/docker-compose.yml"))
        .args(["config", "--format", "json"]));
    assert!(ok, "{said}");
    let compose: serde_json::Value = serde_json::from_str(&said).unwrap();
    let services = &compose["services"];
    for name in SERVICES {
        let s = &services[name];
        let check = s["healthcheck"]["test"].to_string();
        assert!(check.contains("/readyz"), "{name}: healthcheck {check}");
        assert_eq!(
            s["depends_on"]["kafka"]["condition"], "service_healthy",
            "{name}"
        );
        assert_eq!(s["build"]["target"], name, "{name}: image target");
        assert_eq!(
            services["prometheus"]["depends_on"][name]["condition"], "service_healthy",
            "prometheus waits for {name}"
        );
    }
    let mounts = |svc: &str| services[svc]["volumes"].to_string();
    assert!(
        mounts("prometheus").contains("monitoring/rules"),
        "{}",
        mounts("prometheus")
    );
    assert!(
        mounts("grafana").contains("grafana/provisioning")
            && mounts("grafana").contains("grafana/dashboards"),
        "{}",
        mounts("grafana")
    );
    assert_eq!(
        services["grafana"]["depends_on"]["prometheus"]["condition"],
        "service_healthy"
    );
}

#[test]
fn the_dockerfile_passes_hadolint() {
    let (ok, said) = run(Command::new(deploy_tool("hadolint"))
        .args(["--no-color"])
        .arg(repo("deploy/docker/Dockerfile")));
    assert!(ok, "hadolint: {said}");
}

#[test]
fn images_build_from_a_small_context_with_cached_dependencies_and_check_readiness() {
    let ignore = std::fs::read_to_string(repo(".dockerignore")).unwrap();
    for path in ["target/", ".git/"] {
        assert!(
            ignore.lines().any(|l| l.trim() == path),
            ".dockerignore lacks {path}"
        );
    }
    let file = std::fs::read_to_string(repo("deploy/docker/Dockerfile")).unwrap();
    assert!(file.contains("cargo chef cook"), "no dependency layer");
    assert!(file.contains("cargo build --locked"), "build not --locked");
    assert!(
        file.contains("newsfeedctl"),
        "newsfeedctl not in the images"
    );
    // The HEALTHCHECK is in the stage every service image is built from.
    let runtime = file.split("AS runtime").nth(1).unwrap();
    assert!(
        runtime.contains("HEALTHCHECK") && runtime.contains("/readyz"),
        "no HEALTHCHECK on /readyz"
    );
    for name in SERVICES {
        assert!(
            file.contains(&format!("FROM runtime AS {name}")),
            "no image for {name}"
        );
    }
    // The compose file's services are the Dockerfile's targets.
    let compose = yaml("deploy/docker-compose.yml");
    for name in SERVICES {
        assert!(compose["services"][name].is_mapping(), "{name}");
    }
}
