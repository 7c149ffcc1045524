"""The records data travels as between stages: a Document from reading to extraction, an article row
with every output column from the moment it is made."""
import pickle

import pytest

from wirebeam.schemas import ARTICLE, Document
from wirebeam.transforms.extract.dispatch import ORIGIN_COLUMNS, extract_document, make_article
from wirebeam.transforms.feeds.pages import item_article
from wirebeam.transforms.feeds.parse import FeedItem

ROW_COLUMNS = [name for name in ARTICLE.names if name != "ingested_at"]   # ingested_at is stamped on writing


def test_make_article_gives_every_output_column_in_schema_order():
    article = make_article("/in/a.txt", "text", text="Ein Satz.", published="2024-06-18")
    assert list(article) == ROW_COLUMNS
    assert (article["published"], article["date_precision"], str(article["published_date"])) == \
        ("2024-06-18", "day", "2024-06-18")
    assert all(article[column] is None for column in ORIGIN_COLUMNS)


def test_an_origin_fills_its_columns_and_nothing_else():
    article = make_article("feed:x", "feed", text="T", origin={"text_source": "feed_summary", "guid": "x"})
    assert list(article) == ROW_COLUMNS and (article["text_source"], article["guid"]) == ("feed_summary", "x")
    with pytest.raises(ValueError, match="not an origin column"):
        make_article("feed:x", "feed", text="T", origin={"language": "de"})


@pytest.mark.parametrize("doc", [
    Document("/in/a.txt", "text", raw="Überschrift\n\nDer erste Absatz des Artikels hat einen ganzen Satz.".encode()),
    Document("/in/a.html", "html", raw=b"<html><head><title>Titel</title></head><body><article><p>"
             + b"Ein Absatz mit genug Text, damit er als Haupttext gilt und nicht als Navigation. " * 4
             + b"</p></article></body></html>"),
    Document("/in/a.jsonl:1", "jsonl", record={"title": "T", "text": "Ein Text aus einer JSON-Zeile.", "url": "https://x.example/a"}),
])
def test_every_kind_of_document_becomes_a_row_with_every_column(doc):
    kind, article = extract_document(pickle.loads(pickle.dumps(doc)))   # as Beam and the extraction child move it
    assert kind == "article", article
    assert list(article) == ROW_COLUMNS and article["source"] == doc.source


def test_a_feed_item_row_has_every_column_and_its_feed_columns():
    item = FeedItem(feed_url="https://feeds.example/rss", guid="g1", link=None, title="Überschrift",
                    published="2024-06-18T09:30:00+02:00", summary="<p>Ein Satz&nbsp;aus dem Feed.</p>", content=None)
    article, problem = item_article(item, get_page=None)
    assert problem == ("no_link", "") and list(article) == ROW_COLUMNS
    assert (article["text_source"], article["feed_url"], article["guid"], article["item_title"]) == \
        ("feed_summary", "https://feeds.example/rss", "g1", "Überschrift")
    assert article["date_precision"] == "time"
