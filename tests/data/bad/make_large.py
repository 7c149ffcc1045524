"""Generate the large bad-input fixtures at test time (they are never committed).

    from make_large import write_large_page, write_nested_divs
    write_large_page(tmp_path / "large.html")          # ~40 MB page, a real article buried in filler
    write_nested_divs(tmp_path / "nested.html")        # 50,000 nested <div> elements

or from the shell: ``python tests/data/bad/make_large.py OUTDIR``.

Both files are deterministic (same bytes on every call with the same arguments) and are written in
chunks, so generating them needs little memory. The texts are fictional, written for wirebeam (CC0 1.0).
"""
import os
import sys

__all__ = ["write_large_page", "write_nested_divs", "ARTICLE_TITLE", "ARTICLE_PARAGRAPHS"]

MB = 1024 * 1024

ARTICLE_TITLE = "Hafenfähre fährt wieder nach Fahrplan"

ARTICLE_PARAGRAPHS = [
    "Nach drei Wochen mit Ausfällen und Verspätungen fährt die Hafenfähre zwischen Altmühlen und "
    "Südhafen seit Montag wieder nach dem regulären Fahrplan. Die Werft hat den defekten Antrieb des "
    "Schiffs ausgetauscht, wie der Betreiber am Vormittag mitteilte.",
    "Während der Reparatur hatte ein kleineres Ersatzboot nur jede zweite Fahrt übernommen. Vor allem "
    "im Berufsverkehr mussten Fahrgäste an den Anlegern lange warten, manche wichen auf den Bus über "
    "die Hochbrücke aus, der fast eine halbe Stunde länger braucht.",
    "Der Betreiber entschuldigte sich bei den Pendlern und kündigte an, Inhabern von Monatskarten "
    "einen Teil des Preises zu erstatten. Anträge können bis Ende des Monats an den Schaltern in "
    "beiden Anlegern oder online gestellt werden.",
    "Langfristig soll die Linie zwei neue, elektrisch angetriebene Schiffe bekommen. Die Ausschreibung "
    "dafür läuft, die ersten Fähren könnten nach Angaben der Stadt in drei Jahren in Dienst gehen.",
]

_HEAD = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{title} | Hafenkurier</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Hafenkurier">
<meta property="article:published_time" content="2025-04-07T10:30:00+02:00">
<link rel="canonical" href="https://www.hafenkurier.example/verkehr/hafenfaehre-fahrplan-4711.html">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "datePublished": "2025-04-07T10:30:00+02:00"}}</script>
</head>
<body>
<nav><a href="/">Startseite</a> <a href="/verkehr/">Verkehr</a> <a href="/hafen/">Hafen</a> <a href="/sport/">Sport</a></nav>
<div class="cookie">Diese Seite verwendet Cookies. <button>OK</button></div>
<main>
<article>
<h1>{title}</h1>
<p class="byline">Von Redaktion Hafenkurier, 07.04.2025</p>
"""

# One block of filler: the kind of markup a broken CMS template repeats (comment threads, teasers,
# tracking pixels). `{n}` keeps blocks distinct, as real repeated markup usually is.
_FILLER = """<div class="comment" id="c{n}" data-thread="{t}">
<div class="comment-meta"><span class="user">Leser{u}</span> <time>07.04.2025 {hh:02d}:{mm:02d}</time></div>
<p>Endlich wieder pünktlich. Ich hoffe, das bleibt jetzt auch so, die letzten Wochen waren anstrengend.</p>
<p>Antwort auf Beitrag {t}: Mal abwarten, der Winter kommt bestimmt wieder mit neuen Problemen.</p>
<ul class="teasers"><li><a href="/verkehr/teaser-{n}.html">Mehr aus dem Ressort Verkehr ({n})</a></li>
<li><a href="/hafen/teaser-{n}.html">Neues vom Hafen</a></li></ul>
<img src="/px.gif?id={n}" width="1" height="1" alt=""><span class="share">Teilen · Merken · Melden</span>
</div>
"""

_TAIL = """</section>
</main>
<footer><a href="/impressum/">Impressum</a> | <a href="/datenschutz/">Datenschutz</a> | © 2025 Hafenkurier</footer>
</body>
</html>
"""


def write_large_page(path, mb=40):
    """Write an HTML page of about `mb` MiB (never less): a real, short article followed by a huge
    comment section of repeated markup. Returns the path as a string."""
    target = int(mb * MB)
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        written = out.write(_HEAD.format(title=ARTICLE_TITLE))
        for para in ARTICLE_PARAGRAPHS:
            written += out.write(f"<p>{para}</p>\n")
        written += out.write('</article>\n<section class="comments">\n<h2>Kommentare</h2>\n')
        n = 0
        chunk = []
        while written < target:
            block = _FILLER.format(n=n, t=n // 7, u=n % 997, hh=(n // 60) % 24, mm=n % 60)
            chunk.append(block)
            written += len(block.encode("utf-8"))
            n += 1
            if len(chunk) >= 2000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
        out.write(_TAIL)
    return path


def write_nested_divs(path, depth=50000):
    """Write a page whose body is `depth` nested <div> elements with a short paragraph at the bottom
    (parsers that recurse per level fail on it). Returns the path as a string."""
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write('<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
                  f"<title>{ARTICLE_TITLE}</title></head><body>\n")
        step = 10000
        for start in range(0, depth, step):
            out.write('<div class="wrap">' * min(step, depth - start))
        out.write(f"<p>{ARTICLE_PARAGRAPHS[0]}</p>")
        for start in range(0, depth, step):
            out.write("</div>" * min(step, depth - start))
        out.write("\n</body></html>\n")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python make_large.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for written in (write_large_page(os.path.join(sys.argv[1], "large.html")),
                    write_nested_divs(os.path.join(sys.argv[1], "nested_divs.html"))):
        print(written, os.path.getsize(written))
