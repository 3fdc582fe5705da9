//! Relative paths in a compose document, made absolute against the directory they are
//! relative to: the project directory for the main files, the included project's directory
//! for an `include`, the base file's directory for `extends: {file: …}`. Compose prints
//! every such path absolute, and later stages must not guess what a path was relative to.

use std::path::{Component, Path, PathBuf};

use crate::compose::model::{parse_short_volume, MountKind};
use crate::value::{Kind, Value};

/// Makes every relative path in `document` absolute against `base`. `home` expands `~`.
pub fn resolve_relative_paths(document: &mut Value, base: &Path, home: Option<&Path>) {
    let resolver = Resolver { base, home };
    if let Some(services) = document.get_mut("services").and_then(Value::as_map_mut) {
        for service in services.values_mut() {
            resolver.service(service);
        }
    }
    for section in ["configs", "secrets"] {
        if let Some(entries) = document.get_mut(section).and_then(Value::as_map_mut) {
            for entry in entries.values_mut() {
                resolver.string_at(entry, "file", Resolver::path);
            }
        }
    }
    if let Some(volumes) = document.get_mut("volumes").and_then(Value::as_map_mut) {
        for volume in volumes.values_mut() {
            resolver.volume_driver_opts(volume);
        }
    }
}

struct Resolver<'a> {
    base: &'a Path,
    home: Option<&'a Path>,
}

impl Resolver<'_> {
    fn service(&self, service: &mut Value) {
        if let Some(build) = service.get_mut("build") {
            match &mut build.kind {
                Kind::String(context) => *context = self.context(context),
                Kind::Map(map) => {
                    // A missing context is `.`, relative to this file's project.
                    map.entry("context".to_string())
                        .or_insert_with(|| Value::string("."));
                    self.string_at(build, "context", Resolver::context);
                    if let Some(contexts) = build
                        .get_mut("additional_contexts")
                        .and_then(Value::as_map_mut)
                    {
                        for context in contexts.values_mut() {
                            if let Kind::String(s) = &mut context.kind {
                                *s = self.context(s);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(env_files) = service.get_mut("env_file") {
            self.env_files(env_files);
        }
        if let Some(label_files) = service.get_mut("label_file") {
            self.each_string(label_files, Resolver::path);
        }
        if let Some(extends) = service.get_mut("extends") {
            self.string_at(extends, "file", Resolver::path);
        }
        if let Some(watch) = service
            .get_mut("develop")
            .and_then(|d| d.get_mut("watch"))
            .and_then(Value::as_seq_mut)
        {
            for rule in watch {
                self.string_at(rule, "path", Resolver::path);
            }
        }
        if let Some(volumes) = service.get_mut("volumes").and_then(Value::as_seq_mut) {
            for volume in volumes {
                self.volume_mount(volume);
            }
        }
    }

    fn env_files(&self, env_files: &mut Value) {
        match &mut env_files.kind {
            Kind::String(s) => *s = self.path(s),
            Kind::Seq(items) => {
                for item in items {
                    match &mut item.kind {
                        Kind::String(s) => *s = self.path(s),
                        Kind::Map(_) => self.string_at(item, "path", Resolver::path),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn volume_mount(&self, volume: &mut Value) {
        match &mut volume.kind {
            Kind::String(spec) => {
                // A bind mount's source is rewritten in long syntax, which states it
                // unambiguously; a spec that does not parse is left for the parse stage.
                if let Ok(mut parsed) = parse_short_volume(spec) {
                    if parsed.kind == MountKind::Bind {
                        parsed.source = parsed.source.map(|s| self.path(&s));
                        if let Ok(json) = serde_json::to_value(&parsed) {
                            let span = volume.span.clone();
                            *volume = Value::from_json(&json).at(&span);
                        }
                    }
                }
            }
            Kind::Map(_) => {
                let is_bind = volume.get("type").and_then(Value::as_str) == Some("bind");
                if is_bind {
                    self.string_at(volume, "source", Resolver::path);
                }
            }
            _ => {}
        }
    }

    /// A local volume that binds a host directory (`driver_opts: {o: bind, device: …}`).
    fn volume_driver_opts(&self, volume: &mut Value) {
        let is_local = volume
            .get("driver")
            .and_then(Value::as_str)
            .is_none_or(|d| d == "local");
        let Some(opts) = volume.get_mut("driver_opts") else {
            return;
        };
        let binds = opts.get("o").and_then(Value::as_str) == Some("bind");
        if is_local && binds {
            self.string_at(opts, "device", Resolver::path);
        }
    }

    fn string_at(&self, node: &mut Value, key: &str, resolve: fn(&Self, &str) -> String) {
        if let Some(Kind::String(s)) = node.get_mut(key).map(|v| &mut v.kind) {
            *s = resolve(self, s);
        }
    }

    fn each_string(&self, node: &mut Value, resolve: fn(&Self, &str) -> String) {
        match &mut node.kind {
            Kind::String(s) => *s = resolve(self, s),
            Kind::Seq(items) => {
                for item in items {
                    if let Kind::String(s) = &mut item.kind {
                        *s = resolve(self, s);
                    }
                }
            }
            _ => {}
        }
    }

    fn path(&self, path: &str) -> String {
        absolute(path, self.base, self.home)
    }

    /// Build contexts may be URLs (`https://…`, `git@…`) or named contexts; those stay.
    fn context(&self, context: &str) -> String {
        if is_remote_context(context) {
            context.to_string()
        } else {
            self.path(context)
        }
    }
}

fn is_remote_context(context: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "http://",
        "https://",
        "git://",
        "git@",
        "github.com/",
        "ssh://",
        "docker-image://",
    ];
    PREFIXES.iter().any(|p| context.starts_with(p))
        || context.starts_with("service:")
        || context.starts_with("oci-layout://")
}

/// `path` made absolute against `base` and cleaned (`a/./b/../c` → `a/c`), `~` expanded.
pub fn absolute(path: &str, base: &Path, home: Option<&Path>) -> String {
    let expanded: PathBuf = match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() || is_windows_absolute(path) {
        // Compose keeps an absolute path as written (a trailing slash included).
        return expanded.to_string_lossy().into_owned();
    }
    clean(&base.join(expanded)).to_string_lossy().into_owned()
}

/// `C:\data` or `C:/data`: absolute on Windows, and kept as written by Compose everywhere.
fn is_windows_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes[2] == b'\\' || bytes[2] == b'/')
}

/// Lexical clean-up like Go's `filepath.Clean`: no `.`, `..` folded, no trailing slash.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // `..` takes back a name, not another `..` (`../../x` stays), and above the
            // root is the root.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `to` relative to the directory `from`, both absolute, with `/` separators (`..` where
/// `to` is outside `from`).
pub fn relative(from: &Path, to: &Path) -> String {
    let parts = |path: &Path| -> Vec<String> {
        clean(path)
            .components()
            .filter_map(|component| match component {
                Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let (from, to) = (parts(from), parts(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = vec!["..".to_string(); from.len() - common];
    out.extend(to[common..].iter().cloned());
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_paths_climb_out_of_a_directory() {
        let check = |from: &str, to: &str, expected: &str| {
            assert_eq!(
                super::relative(std::path::Path::new(from), std::path::Path::new(to)),
                expected,
                "{from} → {to}"
            );
        };
        check("/p/out/base", "/p/db.txt", "../../db.txt");
        check(
            "/p/out/overlays/prod",
            "/p/conf/app.ini",
            "../../../conf/app.ini",
        );
        check("/p/out", "/p/out/secrets/key/key", "secrets/key/key");
        check("/p", "/p", ".");
        check("/p/./x/../out", "/p/out/f", "f");
    }

    use super::*;
    use crate::yaml;
    use serde_json::json;

    #[test]
    fn clean_folds_like_go() {
        for (path, cleaned) in [
            ("a/./b/../c", "a/c"),
            ("../../x", "../../x"),
            ("out/../../x", "../x"),
            ("/..", "/"),
            ("/a/../../b", "/b"),
            ("a/..", "."),
        ] {
            assert_eq!(clean(Path::new(path)), Path::new(cleaned), "{path}");
        }
    }

    #[test]
    fn paths_resolve_against_the_base_directory() {
        let mut doc = yaml::parse(
            "services:\n  web:\n    build: ./app\n    env_file: [a.env, {path: ../b.env}]\n    volumes: ['./data:/data:ro', 'named:/x', {type: bind, source: ~/c, target: /c}]\nsecrets:\n  s: {file: ./s.txt}\n",
            None,
        )
        .unwrap()
        .remove(0);
        resolve_relative_paths(&mut doc, Path::new("/p/q"), Some(Path::new("/home/u")));
        assert_eq!(
            doc.to_json(),
            json!({"services": {"web": {
                "build": "/p/q/app",
                "env_file": ["/p/q/a.env", {"path": "/p/b.env"}],
                "volumes": [
                    {"type": "bind", "source": "/p/q/data", "target": "/data", "read_only": true,
                     "bind": {"create_host_path": true}},
                    "named:/x",
                    {"type": "bind", "source": "/home/u/c", "target": "/c"}]}},
              "secrets": {"s": {"file": "/p/q/s.txt"}}})
        );
    }

    #[test]
    fn remote_build_contexts_stay() {
        assert!(is_remote_context("https://github.com/a/b.git"));
        assert_eq!(absolute("../x", Path::new("/a/b"), None), "/a/x");
    }
}
