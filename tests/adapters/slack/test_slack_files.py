"""'my data' on Slack: the export uploaded into the person's DM with files_upload_v2, through
the mock's three steps (upload URL, bytes, completion), and links when Slack refuses."""

from __future__ import annotations

import csv
import io
import json

from bot.handlers import privacy  # noqa: F401  (registered, as bot/handlers/__init__.py will)
from tests.adapters.slack.conftest import PEOPLE
from tests.helpers import says

ALICE = "U0ALICE"


async def test_my_data_is_uploaded_into_the_dm_as_json_and_csv(side, rt):
    await side.dm(ALICE, "my data")
    await side.settle(lambda: side.mock.count("files.completeUploadExternal") == 1)
    await side.quiet(0.1)

    assert side.mock.problems() == []
    assert side.mock.count("upload") == 2 and side.mock.count("chat.postMessage") == 0
    files = {found["filename"]: found for found in side.mock.files.values()}
    assert set(files) == {"porte-voix-data.json", "porte-voix-data.csv"}
    assert {found["channel"] for found in files.values()} == {"D0ALICE"}
    data = json.loads(files["porte-voix-data.json"]["content"])
    name, real_name, tz, _ = PEOPLE[ALICE]
    assert data["profile"]["external_id"] == ALICE
    assert data["profile"]["display_name"] == real_name
    assert data["profile"]["email"] == f"{name}@acme.example"
    assert data["profile"]["timezone"] == tz
    rows = list(csv.reader(io.StringIO(files["porte-voix-data.csv"]["content"]
                                       .decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["profile", "0", "email", f"{name}@acme.example"] in rows
    [shared] = side.mock.messages(ALICE)
    assert shared["text"] == says(rt, "privacy.uploaded")
    assert [f["title"] for f in shared["files"]] == [says(rt, "privacy.file_json"),
                                                      says(rt, "privacy.file_csv")]


async def test_without_the_files_scope_the_person_is_told_politely(side, rt):
    side.mock.fail_next("files.getUploadURLExternal", error="missing_scope")
    await side.dm(ALICE, "my data")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    # No PORTEVOIX_LINK_SECRET in the tests' settings: no link either, and no error.
    assert side.mock.calls_to("chat.postMessage")[0].params["text"] == says(
        rt, "privacy.no_secret")
    assert side.mock.count("files.completeUploadExternal") == 0
