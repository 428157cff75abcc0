"""``preservation review`` as a person runs it: prints its address, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request


def test_review_serves_until_ctrl_c_and_stops_cleanly(collection, catalog_path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "400"}
    proc = subprocess.Popen([sys.executable, "-m", "preservation", "--catalog", str(catalog_path), "review",
                             "--no-browser", "--operator", "Desk 2", "--undecided", "-j", "1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        url = None
        lines = []
        for line in proc.stderr:
            lines.append(line)
            m = re.search(r"Review page: (http://127\.0\.0\.1:\d+/\?\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url is not None, "".join(lines)
        assert "token=" in url and "undecided=1" in url
        assert "decisions are recorded as 'Desk 2'" in "".join(lines)
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200 and b"Look-alikes and exact copies" in r.read()
        bare = url.split("?")[0]
        try:
            urllib.request.urlopen(bare, timeout=60)
            raise AssertionError("a request without the token was served")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Review page stopped" in err
    assert "Traceback" not in err
