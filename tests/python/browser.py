"""Drives headless Chromium (the system's, via Playwright) for end-to-end tests.

Usage: browser.py URL
Opens URL, then reads one JavaScript expression per line on stdin, evaluates
it in the page (awaiting promises), and prints the JSON result as one line on
stdout ({"ok": value} or {"error": message}). Ends at EOF.
"""

import json
import os
import sys

from playwright.sync_api import sync_playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(url):
    chromium = os.environ.get("NEWSFEED_TEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        page = browser.new_page()
        page.goto(url)
        print(json.dumps({"ok": "ready"}), flush=True)
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                print(json.dumps({"ok": page.evaluate(line)}), flush=True)
            except Exception as e:  # report, keep serving
                print(json.dumps({"error": str(e)}), flush=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
