import gzip
import json
import os

import pytest

from conftest import process_outputs
from wirebeam.transforms.read import (ReadDocuments, TooLarge, expand_inputs, input_format, iter_lines,
                                      read_document, sniff_format)


def test_input_format_by_extension_looks_through_gz():
    assert input_format("/a/b.txt") == "text"
    assert input_format("/a/b.HTML") == "html"
    assert input_format("/a/b.htm.gz") == "html"
    assert input_format("/a/b.jsonl.gz") == "jsonl"
    assert input_format("/a/README") == "sniff"
    assert input_format("/a/README.md") is None


def test_sniff_format():
    assert sniff_format(b'\xef\xbb\xbf{"url": 1}') == "jsonl"
    assert sniff_format(b"  <!DOCTYPE html><html>") == "html"
    assert sniff_format(b"Politik\nTitel") == "text"


def test_expand_inputs_globs_dirs_odd_names_and_hidden(tmp_path):
    (tmp_path / "sub" / "deep").mkdir(parents=True)
    for name in ["a.txt", "sub/Bericht (Kopie) über Zürich.txt", "sub/deep/c.html", ".hidden.txt", "sub/.x.html"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = expand_inputs([str(tmp_path)])
    names = [os.path.relpath(p, tmp_path) for p in found]
    assert names == ["a.txt", "sub/Bericht (Kopie) über Zürich.txt", "sub/deep/c.html"]
    assert expand_inputs([str(tmp_path / "*.txt")]) == [str(tmp_path / "a.txt")]
    assert expand_inputs([str(tmp_path / "nothing-*.txt")]) == []
    # the same file through two patterns is read once
    assert expand_inputs([str(tmp_path / "a.txt"), str(tmp_path / "*.txt")]) == [str(tmp_path / "a.txt")]


def test_expand_inputs_leaves_out_the_output_folder(tmp_path):
    for name in ["a.txt", "out/run.json", "out/articles/date=2024-05-01/part-0.parquet", "out2/b.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    names = [os.path.relpath(p, tmp_path) for p in expand_inputs([str(tmp_path), str(tmp_path / "out" / "*")],
                                                                   exclude=[str(tmp_path / "out")])]
    assert names == ["a.txt", "out2/b.txt"]   # out2 only shares the name's start


def test_read_document_gunzips_by_magic_and_caps_decompressed_size(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_bytes(b"Hallo Welt")
    zipped = tmp_path / "a.txt.gz"
    zipped.write_bytes(gzip.compress(b"Hallo Welt"))
    assert read_document(str(plain), 100) == b"Hallo Welt"
    assert read_document(str(zipped), 100) == b"Hallo Welt"
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * (20 * 1024 * 1024)))  # 20 MiB that packs to ~20 KiB
    assert bomb.stat().st_size < 100_000
    with pytest.raises(TooLarge):
        read_document(str(bomb), 1024 * 1024)
    with pytest.raises(TooLarge):
        read_document(str(plain), 5)


def test_iter_lines_streams_and_flags_oversized_lines(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    lines = [json.dumps({"text": "a"}), "x" * 5000, json.dumps({"text": "b"})]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    got = list(iter_lines(str(path), 1000))
    assert [n for n, _ in got] == [1, 2, 3]
    assert got[1][1] is None
    assert json.loads(got[2][1]) == {"text": "b"}


def test_read_documents_accounts_for_every_json_line(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([
        json.dumps({"url": "https://example.org/a", "text": "Ein Text."}),
        "{broken json",
        "[1, 2]",
        "",
        json.dumps({"title": "ohne Text"}),
    ]) + "\n", encoding="utf-8")
    out = process_outputs(ReadDocuments(1 << 20, 1 << 20), path)
    assert [d.source for d in out["main"]] == [f"{path}:1", f"{path}:5"]
    assert [(f["source"], f["reason"]) for f in out["failures"]] == [
        (f"{path}:2", "bad_json"), (f"{path}:3", "not_an_object")]


def test_read_documents_failures_for_empty_unknown_and_large(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notes.md").write_text("# hi")
    (tmp_path / "big.html").write_bytes(b"<p>" + b"x" * 5000)
    fn = ReadDocuments(1000, 1000)
    assert process_outputs(fn, tmp_path / "empty.txt")["failures"][0]["reason"] == "empty"
    assert process_outputs(fn, tmp_path / "notes.md")["failures"][0]["reason"] == "unsupported_format"
    big = process_outputs(fn, tmp_path / "big.html")
    assert big["main"] == [] and big["failures"][0]["reason"] == "too_large"
    assert big["failures"][0]["stage"] == "read"
