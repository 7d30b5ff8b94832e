"""Reads feed documents with the real `feedparser`, as a feed reader would,
and prints what it understood as one JSON object on stdout, for the Rust
end-to-end tests to judge:

    python check_feeds.py FEED_FILE...

    {"feeds": [{"path": ..., "bozo": false, "bozo_exception": null,
                "version": "rss20", "title": ..., "entries": [
                    {"id": ..., "title": ..., "link": ..., "published": ...,
                     "updated": ..., "author": ...,
                     "categories": [{"term": ..., "label": ...}],
                     "enclosures": [{"href": ..., "type": ..., "length": ...}],
                     "media_content": [{"url": ..., "type": ..., "medium": ...,
                                        "width": ..., "height": ...}]}]}]}

`bozo` is feedparser's flag for a document that is not well-formed or not
valid for its format; `bozo_exception` says why.
"""

import json
import sys

import feedparser


def summarize(path):
    with open(path, "rb") as f:
        parsed = feedparser.parse(f.read())
    exception = parsed.get("bozo_exception")
    return {
        "path": path,
        "bozo": bool(parsed.bozo),
        "bozo_exception": None if exception is None else repr(exception),
        "version": parsed.version,
        "title": parsed.feed.get("title"),
        "entries": [
            {
                "id": e.get("id"),
                "title": e.get("title"),
                "link": e.get("link"),
                "published": e.get("published"),
                "updated": e.get("updated"),
                "author": e.get("author"),
                "categories": [
                    {"term": t.get("term"), "label": t.get("label")}
                    for t in e.get("tags", [])
                ],
                "enclosures": [
                    {"href": n.get("href"), "type": n.get("type"), "length": n.get("length")}
                    for n in e.get("enclosures", [])
                ],
                "media_content": [
                    {k: m.get(k) for k in ("url", "type", "medium", "width", "height")}
                    for m in e.get("media_content", [])
                ],
            }
            for e in parsed.entries
        ],
    }


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump({"feeds": [summarize(p) for p in paths]}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
