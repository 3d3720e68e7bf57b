"""tools/fetch_assets.py: the book's JavaScript is copied only from tarballs whose sha256 was recorded."""

import hashlib
import importlib.util
import io
import json
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "tools" / "fetch_assets.py")
fetch_assets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_assets)


def make_tarball(path: Path, files: dict) -> str:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tarball(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_assets, "TARBALLS", tmp_path / "npm")
    (tmp_path / "npm").mkdir()
    path = tmp_path / "npm" / "demo-1.0.0.tgz"
    digest = make_tarball(path, {"package/dist/embed.js": b"js", "package/dist/a.woff2": b"font",
                                 "package/es5/sre/mathmaps/en.json": b"{}", "package/README.md": b"x"})
    return path, digest


def test_a_recorded_checksum_lets_the_files_through(tarball, tmp_path):
    path, digest = tarball
    assert fetch_assets.fetch("demo@1.0.0", path.name, digest) == path
    out = tmp_path / "out"
    n = fetch_assets.copy(path, {"package/dist/*.woff2": "lib", "package/dist/embed.js": "lib",
                                 "package/es5/sre/*": "mathjax/sre"}, out)
    assert n == 3
    assert (out / "lib" / "embed.js").read_bytes() == b"js"
    assert (out / "lib" / "a.woff2").exists()
    assert (out / "mathjax" / "sre" / "mathmaps" / "en.json").exists()  # the path below the pattern is kept
    assert not (out / "lib" / "README.md").exists()


def test_a_different_checksum_stops_and_removes_the_tarball(tarball):
    path, digest = tarball
    with pytest.raises(SystemExit, match="does not match"):
        fetch_assets.fetch("demo@1.0.0", path.name, "0" * 64)
    assert not path.exists()


def test_a_pattern_that_matches_nothing_stops(tarball, tmp_path):
    path, _ = tarball
    with pytest.raises(SystemExit, match="nothing matches"):
        fetch_assets.copy(path, {"package/dist/*.js.map": "lib"}, tmp_path / "out")


def test_the_manifest_pins_every_package_with_a_sha256():
    manifest = json.loads(fetch_assets.MANIFEST.read_text())
    for package in manifest["packages"]:
        name, version = package["spec"].rsplit("@", 1)
        assert version[0].isdigit(), f"{package['spec']} is not pinned to a version"
        assert package["tarball"].endswith(f"-{version}.tgz")
        assert len(package["sha256"]) == 64 and int(package["sha256"], 16) >= 0
        # A tarball fetched earlier on this machine must still match.
        local = fetch_assets.TARBALLS / package["tarball"]
        if local.exists():
            assert fetch_assets.sha256(local) == package["sha256"]
