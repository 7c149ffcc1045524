"""The README and docs/ as a reader meets them: every relative link leads to a file of the repository
(and every #anchor to a heading of the page), the README stays short, and its layout section names
the folders the repository really has."""
import pathlib
import re
import subprocess

import pytest

from conftest import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 200   # issue 13: a README a newcomer reads top to bottom (about 150 lines)

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def repository_paths():
    """Files of the repository (tracked, or new and not ignored) and the folders that hold them."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                                capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell the repository's files from others")
    files = {pathlib.PurePosixPath(p) for p in listed if p}
    folders = {parent for f in files for parent in f.parents if str(parent) != "."}
    return files, folders


def links(page: pathlib.Path):
    """Relative link targets of a Markdown page, outside code blocks: (path or "", anchor or "")."""
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):   # https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        yield path, anchor


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"[`*]", "", heading)
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def anchors(page: pathlib.Path):
    return {slug(h) for h in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8")))}


PAGES = [README] + DOCS


def test_the_pages_are_there():
    assert README.is_file()
    assert {"output.md", "inputs.md", "feeds.md", "entities.md", "copies.md", "scaling.md", "benchmarks.md",
            "samples.md"} <= {p.name for p in DOCS}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_of_the_repository(page):
    files, folders = repository_paths()
    broken = []
    for path, anchor in links(page):
        target = (page.parent / path).resolve() if path else page
        try:
            relative = pathlib.PurePosixPath(target.relative_to(ROOT).as_posix())
        except ValueError:
            broken.append(f"{path}: outside the repository")
            continue
        if relative not in files and relative not in folders:
            broken.append(f"{path}: no such file in the repository")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{path}#{anchor}: no such heading in {relative}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_finder_finds_the_readme_links():
    """Guards the test above against a pattern that finds nothing (and so checks nothing)."""
    found = list(links(README))
    assert ("docs/output.md", "failures") in found and ("pipeline/assembly.py", "") in found
    assert all(not path.startswith("http") for path, _ in found)


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def layout_folders():
    """Folders the README's Layout block names: top-level ones and the ones indented under them."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    named, parent = set(), None
    for line in block.splitlines():
        match = re.match(r"^(\s*)([\w.-]+/)(?:\s|$)", line)
        if not match:
            continue
        if match.group(1):
            named.add(f"{parent}/{match.group(2).rstrip('/')}")
        else:
            parent = match.group(2).rstrip("/")
            named.add(parent)
    return named


def test_the_layout_section_matches_the_tree():
    files, folders = repository_paths()
    named = layout_folders()
    assert {"pipeline", "transforms", "transforms/extract", "schemas"} <= named   # the parser found the block
    missing = sorted(f for f in named if pathlib.PurePosixPath(f) not in folders)
    assert not missing, f"the README's layout names folders the repository does not have: {missing}"
    top = {str(f) for f in folders if len(f.parts) == 1 and not f.name.startswith(".")}
    subpackages = {str(f.parent) for f in files
                   if f.name == "__init__.py" and len(f.parts) == 3 and f.parts[0] == "transforms"}
    unnamed = sorted((top | subpackages) - named)
    assert not unnamed, f"folders of the repository missing from the README's layout: {unnamed}"
