"""Prints each sample story as publish serves it, with its tags.

Usage: show_published.py PUBLISH_URL STORIES_DIR
Exits non-zero unless every story is readable (latest version) and tagged
within 60 seconds.
"""

import json
import pathlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def fetch(base, uri):
    url = f"{base}/v1/articles/{urllib.parse.quote(uri, safe='')}"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)
    except urllib.error.HTTPError:
        return None


def main(base, stories_dir):
    latest = {}
    for path in sorted(pathlib.Path(stories_dir).glob("*.json")):
        doc = json.loads(path.read_text())
        uri, version = doc["uri"], int(doc.get("version", "0"))
        if version >= latest.get(uri, 0):
            latest[uri] = version
    deadline = time.time() + 60
    ok = True
    for uri, version in latest.items():
        doc = None
        while time.time() < deadline:
            doc = fetch(base, uri)
            if doc and int(doc.get("version", "0")) == version:
                break
            time.sleep(0.2)
        if not doc:
            print(f"  MISSING  {uri}", file=sys.stderr)
            ok = False
            continue
        headline = next((h["value"] for h in doc.get("headlines", [])), "")
        print(f"\n  {headline}  (v{doc.get('version')})")
        tagged = False
        for kind in ("subjects", "places", "people", "organisations"):
            names = [t["name"] for t in doc.get(kind, []) if "name" in t]
            if names:
                tagged = True
                print(f"    {kind:<14} {', '.join(names)}")
        ok = ok and tagged
    print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
