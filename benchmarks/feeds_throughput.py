"""Items/s of `wirebeam run --feed` on a loopback feed of N items with their pages, and peak RSS.

    python benchmarks/feeds_throughput.py [--items 500] [--hosts 1] [--host-delay 1.0]

The pages are served by a thread in this process on 127.0.0.1 (one port per --hosts; the per-host
delay applies per host:port site). The run goes through the real CLI in a child process.
"""
import argparse
import http.server
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time

PARA = ("Der Hafenbetrieb meldet für das erste Quartal einen Zuwachs beim Containerumschlag, vor allem "
        "durch neue Liniendienste nach Skandinavien und in den Ostseeraum. ")


def make_handler(n_items, ports):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/feed.xml":
                items = "".join(
                    f"<item><title>Meldung {i}</title><link>http://127.0.0.1:{ports[i % len(ports)]}/n/{i}</link>"
                    f"<guid isPermaLink=\"false\">bench-{i}</guid><pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate>"
                    f"<description>Kurz {i}</description></item>" for i in range(n_items))
                body = f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>B</title>{items}</channel></rss>"
            elif self.path.startswith("/n/"):
                i = self.path.rsplit("/", 1)[1]
                paras = "".join(f"<p>{PARA}Absatz {k} der Meldung {i}.</p>" for k in range(6))
                body = (f"<html><head><title>Meldung {i}</title></head><body><article><h1>Meldung {i}</h1>"
                        f"{paras}</article></body></html>")
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--hosts", type=int, default=1)
    ap.add_argument("--host-delay", type=float, default=1.0)
    args = ap.parse_args()
    servers, ports = [], []
    for _ in range(args.hosts):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), None)
        servers.append(srv)
        ports.append(srv.server_address[1])
    for srv in servers:
        srv.RequestHandlerClass = make_handler(args.items, ports)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "wirebeam", "run", "--feed", f"http://127.0.0.1:{ports[0]}/feed.xml",
                        "--output", f"{tmp}/out", "--allow-host", "127.0.0.1", "--host-delay", str(args.host_delay),
                        "--max-items-per-feed", str(args.items)], check=True, capture_output=True)
        seconds = time.monotonic() - started
        report = json.load(open(f"{tmp}/out/run.json"))
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"items {args.items}  hosts {args.hosts}  host-delay {args.host_delay:g} s  articles {report['articles']}  "
          f"failures {report['failures']['total']}  {seconds:.1f} s  {args.items / seconds:.1f} items/s  "
          f"peak RSS of the largest child process {rss:.0f} MiB")


if __name__ == "__main__":
    main()
