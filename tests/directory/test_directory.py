"""The API directory in the real directory's format (DESIGN D23): a bare JSON array of
{orgNo, name, url, version, env}; the older object shape only on request (`?format=object`)."""

from __future__ import annotations

import pytest

from sandbox.directory.listing import v2_urls

DIRECTORY = "/altinn/v1/directharvest/Kontrollinformasjon"


def test_the_default_answer_is_the_real_bare_array(client, world):
    plain, asked = client.get(DIRECTORY), client.get(DIRECTORY + "/?envelope=false")
    assert plain.status_code == asked.status_code == 200 and plain.data == asked.data
    body = plain.get_json()
    assert [e["orgNo"] for e in body] == [b.org_number for b in world.banks.values()]
    for entry, bank in zip(body, world.banks.values(), strict=True):
        assert entry == {"orgNo": bank.org_number, "name": bank.name, "url": entry["url"], "version": "v2",
                         "env": "test"}
        assert entry["url"].endswith(f"/banks/{bank.org_number}/v2")


def test_the_older_object_shape_only_when_asked_for(client):
    array = client.get(DIRECTORY).get_json()
    body = client.get(DIRECTORY + "?format=object").get_json()
    assert sorted(body) == ["endpoints", "total"] and body["total"] == len(array)
    assert body["endpoints"] == [{k: e[k] for k in ("orgNo", "name", "url", "version")} for e in array]
    assert client.get(DIRECTORY + "?format=ARRAY").get_json() == array  # the value's letter case does not matter


@pytest.mark.parametrize("query,fragment", [("format=csv", "format must be one of array, object"),
                                            ("envelope=true", "only envelope=false is served")])
def test_what_the_directory_cannot_answer_is_a_400_in_its_error_format(client, query, fragment):
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"] == 400 and fragment in body["message"]


def test_a_consumer_keeps_only_v2_entries_case_insensitively():
    """What plugin-banking does with the list (Plugin.cs: `item.Version.ToUpper() == "V2"`)."""
    body = [{"orgNo": "1", "name": "A", "url": "https://a/v2", "version": "V2", "env": "test"},
            {"orgNo": "2", "name": "B", "url": "https://b/v1", "version": "v1", "env": "test"},
            {"orgNo": "3", "name": "C", "url": "https://c/v2", "version": "v2", "env": "test"}]
    assert v2_urls(body) == {"1": "https://a/v2", "3": "https://c/v2"}
    with pytest.raises(ValueError, match="not the JSON array"):
        v2_urls({"endpoints": body, "total": 3})
    with pytest.raises(ValueError, match="not a directory entry"):
        v2_urls([{"name": "no orgNo"}])


def test_the_request_log_counts_the_entries_of_the_bare_array(app, client, world):
    assert client.get(DIRECTORY + "?envelope=false").status_code == 200
    newest = app.extensions["sandbox.audit"].query(api="directory", limit=1)[0]
    assert newest["path"] == DIRECTORY and newest["result_count"] == len(world.banks)
