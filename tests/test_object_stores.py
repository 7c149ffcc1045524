"""gs:// and s3:// for real: a local GCS emulator (gcp-storage-emulator) and a local S3 server (moto) started
here, Beam's filesystems pointed at them (STORAGE_EMULATOR_HOST; --s3_endpoint_url and keys), and real
`wirebeam run`s with object-store inputs, output and --state; output read back; a commit stopped half-way
repaired by the next run."""
import http.server
import json
import os
import pathlib
import socket
import threading

import pyarrow.dataset as ds
import pytest

from conftest import LoopbackHandler, run_cli, serve, serve_feed

BUCKET = "wirebeam-test"
STORY = ("{city} - The city council approved a new tram line on Tuesday after a debate of four hours. The line will "
         "connect the main station with the university and should open in {year}, the mayor said. Residents along "
         "the route will be consulted in spring.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TokenHandler(LoopbackHandler, http.server.BaseHTTPRequestHandler):
    """The OAuth token endpoint of the test credentials: any refresh gets a token (the emulator ignores it)."""
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        token = {"access_token": "test", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                 "token_type": "Bearer", "expires_in": 3600}
        self.reply(200, json.dumps(token).encode(), [("Content-Type", "application/json")])


@pytest.fixture(scope="module")
def gcs(tmp_path_factory):
    """A GCS emulator on 127.0.0.1 and the environment that points Beam (here and in `wirebeam run`) at it.
    The credentials are workload-identity ones whose token endpoint is a loopback server (the only kind
    whose endpoint can be set): without any, Beam retries its credentials lookup for 25 s in every process."""
    from gcp_storage_emulator.server import create_server
    port = _free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    tokens = serve(TokenHandler)
    folder = tmp_path_factory.mktemp("gcs")
    (folder / "subject-token").write_text("test")
    creds = folder / "credentials.json"
    creds.write_text(json.dumps({
        "type": "external_account", "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/test/providers/test",
        "token_url": f"http://127.0.0.1:{tokens.server_address[1]}/token",
        "credential_source": {"file": str(folder / "subject-token")}}))
    env = {"STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{port}", "GOOGLE_APPLICATION_CREDENTIALS": str(creds),
           "GOOGLE_CLOUD_PROJECT": "test"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield Store(f"gs://{BUCKET}", [])
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    tokens.shutdown()
    server.stop()


class Store:
    """An object store of a test: the bucket's URL prefix and the Beam flags that reach it."""
    def __init__(self, prefix, flags):
        self.prefix, self.flags = prefix, flags

    def run(self, *args):
        return run_cli("run", *args, *self.flags, timeout=300)


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on 127.0.0.1 with one bucket; Beam's S3 filesystem takes it from its --s3_* flags."""
    import boto3
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions
    from moto.server import ThreadedMotoServer
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    keys = {"endpoint_url": f"http://127.0.0.1:{port}", "aws_access_key_id": "test",
            "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", **keys).create_bucket(Bucket=BUCKET)
    flags = [f"--s3_endpoint_url={keys['endpoint_url']}", "--s3_access_key_id=test", "--s3_secret_access_key=test",
             "--s3_region_name=us-east-1"]
    FileSystems.set_options(PipelineOptions(flags))   # this process's own reads and writes
    yield Store(f"s3://{BUCKET}", flags)
    server.stop()


@pytest.fixture(params=["gcs", "s3"])
def store(request):
    return request.getfixturevalue(request.param)


def put(path: str, data: bytes) -> None:
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.create(path) as handle:
        handle.write(data)


def listing(prefix: str):
    """Paths below `prefix`, relative, sorted."""
    from apache_beam.io.filesystems import FileSystems
    try:
        found = FileSystems.match([prefix.rstrip("/") + "/**"])[0].metadata_list
    except Exception:
        return []
    return sorted(m.path[len(prefix):].lstrip("/") for m in found)


def download(prefix: str, to: pathlib.Path) -> pathlib.Path:
    from apache_beam.io.filesystems import FileSystems
    for rel in listing(prefix):
        target = to / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileSystems.open(prefix.rstrip("/") + "/" + rel) as handle:
            target.write_bytes(handle.read())
    return to


def articles(folder: pathlib.Path):
    return ds.dataset(str(folder / "articles"), format="parquet", partitioning="hive").to_table().to_pylist()


def write_inputs(prefix: str, cities, year: int) -> None:
    for city in cities:
        put(f"{prefix}/{city.lower()}.txt", STORY.format(city=city, year=year).encode())


def test_a_run_reads_and_writes_object_store_paths(store, tmp_path):
    root = store.prefix
    write_inputs(f"{root}/run1/in", ["Bremen", "Kassel", "Utrecht"], 2027)
    put(f"{root}/run1/in/broken.jsonl", b"{not json\n")
    result = store.run("--input", f"{root}/run1/in/*", "--output", f"{root}/run1/out")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "3 articles from 4 input files" in result.stdout, result.stdout
    files = listing(f"{root}/run1/out")
    assert "run.json" in files and not [f for f in files if f.startswith(".staging-")], files
    local = download(f"{root}/run1/out", tmp_path / "copy")
    rows = articles(local)
    assert sorted(r["source"] for r in rows) == [f"{root}/run1/in/{c}.txt" for c in ("bremen", "kassel", "utrecht")]
    report = json.loads((local / "run.json").read_text())
    assert report["articles"] == 3 and report["failures"]["by_stage"] == {"read": {"bad_json": 1}}
    # a second run into the same output replaces it whole
    write_inputs(f"{root}/run1/in2", ["Gent"], 2028)
    again = store.run("--input", f"{root}/run1/in2/*", "--output", f"{root}/run1/out")
    assert again.returncode == 0, again.stderr[-3000:]
    rows = articles(download(f"{root}/run1/out", tmp_path / "copy2"))
    assert [r["source"] for r in rows] == [f"{root}/run1/in2/gent.txt"]


def test_feed_state_on_gs_survives_between_runs(gcs):
    root = gcs.prefix
    items = "".join(f"<item><title>Tram {n}</title><link>http://127.0.0.1:{{port}}/gone-{n}</link>"
                    f"<guid isPermaLink=\"false\">tram-{n}</guid><description>{STORY.format(city='Graz', year=2030 + n)}"
                    f"</description></item>" for n in (1, 2))
    server = serve_feed("/feed.xml", b"")
    port = server.server_address[1]
    body = (f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>http://127.0.0.1:{port}/"
            f"</link><description>x</description>{items.format(port=port)}</channel></rss>").encode()
    server.shutdown()
    feed_server = serve_feed("/feed.xml", body)
    feed = f"http://127.0.0.1:{feed_server.server_address[1]}/feed.xml"
    runs = []
    for n in (1, 2):
        runs.append(run_cli("run", "--feed", feed, "--output", f"{root}/feeds/out{n}", "--state", f"{root}/feeds/state",
                            "--allow-host", "127.0.0.1", "--host-delay", "0.05", "--fetch-timeout", "2",
                            "--extract-timeout", "0", timeout=300))
        assert runs[-1].returncode == 0, runs[-1].stderr[-3000:]
    feed_server.shutdown()
    assert "2 articles" in runs[0].stdout and "0 articles" in runs[1].stdout, (runs[0].stdout, runs[1].stdout)
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.open(f"{root}/feeds/state/state.json") as handle:
        assert json.loads(handle.read())["seen"] == ["tram-1", "tram-2"]


def test_a_commit_stopped_half_way_is_finished_by_the_next_run(store, tmp_path):
    from wirebeam.pipeline import output
    root = store.prefix
    out = f"{root}/half/out"
    write_inputs(f"{root}/half/old", ["Linz"], 2026)
    write_inputs(f"{root}/half/new", ["Aarhus", "Bergen", "Cork"], 2029)
    first = store.run("--input", f"{root}/half/old/*", "--output", out)
    assert first.returncode == 0, first.stderr[-3000:]
    # a second run, complete in its own folder, staged into OUT as its driver would, then a commit that dies
    # after moving two of its files
    second = store.run("--input", f"{root}/half/new/*", "--output", f"{root}/half/second")
    assert second.returncode == 0, second.stderr[-3000:]
    staging = output.staging_path(out, "20990101T000000Z-1")
    from apache_beam.io.filesystems import FileSystems
    for rel in listing(f"{root}/half/second"):
        FileSystems.copy([f"{root}/half/second/{rel}"], [f"{staging}/{rel}"])
    expected = sorted(r["source"] for r in articles(download(f"{root}/half/second", tmp_path / "second")))
    output.commit(staging, out, stop_after=2)
    half = listing(out)
    assert "run.json" not in half and listing(staging), half   # visibly unfinished: no run.json, files still staged
    # the next run's start (prepare_staging) finishes the stopped commit before anything else
    output.prepare_staging(out, "21000101T000000Z-2")
    repaired = download(out, tmp_path / "repaired")
    assert sorted(r["source"] for r in articles(repaired)) == expected
    assert json.loads((repaired / "run.json").read_text())["articles"] == 3
    assert output.object_store_staging(out) == [], output.object_store_staging(out)
    # and a whole next run ends with its own output and no staging folder left behind
    third = store.run("--input", f"{root}/half/old/*", "--output", out)
    assert third.returncode == 0, third.stderr[-3000:]
    assert output.object_store_staging(out) == [] and not [f for f in listing(out) if ".staging-" in f]
    assert [r["source"] for r in articles(download(out, tmp_path / "third"))] == [f"{root}/half/old/linz.txt"]
