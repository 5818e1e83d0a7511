"""Importing a Spotify data download: formats, ZIP vs bare JSON, and every refusal of a bad upload."""
import io
import json
import random
import struct
import zipfile

import pytest

from anchor.sources import upload, upload_archive
from anchor.sources.base import SourceError
from anchor.sources.upload import UploadRefused, import_export
from devstack.spotify_export import load_records, reference_count, write_export

EXT = "Spotify Extended Streaming History/Streaming_History_Audio_2020-2021_0.json"
ACC = "Spotify Account Data/StreamingHistory_music_0.json"


def play(ts="2021-03-04T18:22:41Z", ms=200_000, artist="Abba", album="Gold", track="Dancing Queen", **extra):
    record = {"ts": ts, "platform": "android", "ms_played": ms, "conn_country": "SE", "ip_addr": "10.0.0.1",
              "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
              "master_metadata_album_album_name": album, "spotify_track_uri": "spotify:track:abc",
              "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
              "reason_start": "clickrow", "reason_end": "trackdone", "shuffle": False, "skipped": False}
    record.update(extra)
    return record


def account_play(end="2023-05-01 18:22", artist="Abba", track="Dancing Queen", ms=200_000):
    return {"endTime": end, "artistName": artist, "trackName": track, "msPlayed": ms}


def make_zip(path, members: dict, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data if isinstance(data, bytes) else json.dumps(data))
    return path


def refused(path, code):
    with pytest.raises(UploadRefused) as info:
        import_export(path)
    assert info.value.code == code, info.value.message
    assert isinstance(info.value, SourceError) and info.value.message == str(info.value)
    return info.value.message


# -- formats -----------------------------------------------------------------------------------
def test_generated_extended_zip_imports(tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", kind="extended", plays=3000, years=2, seed=1)
    data = import_export(path)
    ref = reference_count(path)
    summary = data["summary"]
    assert data["source"] == "upload" and data["fetchedAt"].endswith("Z")
    assert set(data["ranges"]) == {"month", "half_year", "year", "all_time"}
    assert summary["format"] == "extended" and summary["albums_available"] is True
    assert (summary["plays"], summary["skipped_short"], summary["podcasts"], summary["unattributed"]) == \
        (ref["plays"], ref["short"], ref["podcasts"], ref["unattributed"])
    assert summary["rows"] == 3000 and summary["files"] == 1
    assert summary["top_artist"] == data["ranges"]["all_time"]["artists"][0]["name"]
    for rng in data["ranges"].values():
        assert 0 < len(rng["artists"]) <= 20 and 0 < len(rng["albums"]) <= 12
        album = rng["albums"][0]
        assert set(album) == {"id", "name", "artists", "year", "url", "image", "rank", "plays", "minutes",
                              "firstPlayed"}
        assert album["year"] is None and album["url"] is None and album["image"] is None
        artist = rng["artists"][0]
        assert set(artist) == {"id", "name", "url", "image", "rank", "plays", "minutes", "firstPlayed"}
        assert artist["id"].startswith("upload:") and [a["rank"] for a in rng["artists"]] == \
            list(range(1, len(rng["artists"]) + 1))


def test_generated_account_zip_has_artists_only(tmp_path):
    path = write_export(tmp_path / "my_spotify_data.zip", kind="account", plays=12_000, years=1, seed=2)
    with zipfile.ZipFile(path) as zf:
        assert sum("StreamingHistory_music_" in n for n in zf.namelist()) == 2   # split at 10,000 entries
    data = import_export(path)
    assert data["summary"]["format"] == "account" and data["summary"]["albums_available"] is False
    assert data["summary"]["files"] == 2 and data["summary"]["plays"] == reference_count(path)["plays"]
    assert data["summary"]["podcasts"] == 0        # podcast history files are not read
    for rng in data["ranges"].values():
        assert rng["albums"] == [] and rng["artists"]


@pytest.mark.parametrize("kind", ["extended", "account"])
def test_bare_json_gives_the_same_as_the_zip(tmp_path, kind):
    zipped = write_export(tmp_path / "a.zip", kind=kind, plays=1500, seed=4)
    bare = tmp_path / "upload-1234"                 # no extension: detected by content
    bare.write_text(json.dumps(load_records(zipped), ensure_ascii=False), encoding="utf-8")
    a, b = import_export(zipped), import_export(bare)
    assert a["ranges"] == b["ranges"]
    assert b["summary"]["format"] == kind and b["summary"]["files"] == 1


def test_bare_json_with_bom_and_whitespace(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b"\xef\xbb\xbf \n\t" + json.dumps([play()]).encode())
    assert import_export(path)["summary"]["plays"] == 1


def test_older_names_and_mac_resource_forks(tmp_path):
    path = make_zip(tmp_path / "a.zip", {
        "MyData/endsong_0.json": [play(artist="Old Name")],
        "__MACOSX/MyData/._endsong_0.json": b"\x00\x05\x16\x07 not json",
        "MyData/Streaming_History_Video_2020.json": [play(artist="Video Only")],
        "MyData/Userdata.json": {"username": "x"},
    })
    data = import_export(path)
    assert [a["name"] for a in data["ranges"]["all_time"]["artists"]] == ["Old Name"]
    path = make_zip(tmp_path / "b.zip", {"MyData/StreamingHistory0.json": [account_play()],
                                         "MyData/StreamingHistory_podcast_0.json": [account_play(artist="Pod")]})
    assert [a["name"] for a in import_export(path)["ranges"]["all_time"]["artists"]] == ["Abba"]


def test_both_downloads_zipped_together_count_once(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()], ACC: [account_play()]})
    data = import_export(path)
    assert data["summary"]["format"] == "extended" and data["summary"]["plays"] == 1


def test_uploaded_bytes_never_reach_the_result(tmp_path):
    marker = "ZZ-MARKER-9f3a"
    records = [play(conn_country=marker, ip_addr=marker, track=marker, spotify_track_uri=marker,
                    platform=marker, reason_end=marker, username=marker, user_agent_decrypted=marker),
               play(ms=10, artist="Short " + marker), play(artist=None, episode_name=marker,
                                                             spotify_episode_uri=marker, episode_show_name=marker)]
    path = make_zip(tmp_path / "a.zip", {EXT: records, "Spotify Extended Streaming History/Notes.json": marker})
    text = json.dumps(import_export(path), ensure_ascii=False)
    assert marker not in text and "10.0.0.1" not in text and "spotify:track" not in text


def test_progress_reports_rows_and_bytes_at_most_every_half_second(tmp_path):
    path = write_export(tmp_path / "a.zip", kind="extended", plays=5000, seed=5)
    now = [0.0]

    def clock():
        now[0] += 0.01                              # 0.01 s per clock read = per 1024 rows
        return now[0]

    calls = []
    import_export(path, progress=lambda *args: calls.append((now[0], *args)), clock=clock)
    assert calls[0][1:] == (0, 0, calls[0][3]) and calls[-1][1] == 5000
    assert calls[-1][2] == calls[-1][3] == sum(i.file_size for i in zipfile.ZipFile(path).infolist()
                                                if "Audio" in i.filename)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    middle = calls[1:-1]
    assert all(b[0] - a[0] >= upload.PROGRESS_EVERY for a, b in zip(middle, middle[1:]))


def test_progress_can_cancel(tmp_path):
    path = write_export(tmp_path / "a.zip", kind="extended", plays=3000, seed=5)

    class Cancelled(Exception):
        pass

    def progress(rows, read, total):
        if rows:
            raise Cancelled()
    with pytest.raises(Cancelled):
        import_export(path, progress=progress, clock=iter(range(0, 10_000)).__next__)


# -- refusals ----------------------------------------------------------------------------------
def test_empty_file_and_empty_zip(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert "empty" in refused(tmp_path / "empty", "empty")
    zipfile.ZipFile(tmp_path / "e.zip", "w").close()
    assert "empty" in refused(tmp_path / "e.zip", "empty")
    make_zip(tmp_path / "z.zip", {EXT: b""})
    assert "empty" in refused(tmp_path / "z.zip", "empty")


def test_garbage_is_neither_zip_nor_json(tmp_path):
    (tmp_path / "g").write_bytes(random.Random(1).randbytes(5000))
    assert "neither a ZIP archive nor a JSON" in refused(tmp_path / "g", "not_export")
    (tmp_path / "h").write_bytes(b"%PDF-1.4 hello")
    refused(tmp_path / "h", "not_export")
    (tmp_path / "p").write_bytes(b"PK\x03\x04" + random.Random(2).randbytes(3000))
    assert "damaged" in refused(tmp_path / "p", "damaged")


def test_truncated_zip_is_damaged(tmp_path):
    path = write_export(tmp_path / "a.zip", kind="extended", plays=500, seed=1)
    data = path.read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    refused(tmp_path / "cut.zip", "damaged")


def test_mixed_up_download_is_explained(tmp_path):
    path = make_zip(tmp_path / "a.zip", {"MyData/Userdata.json": {"username": "x"},
                                         "MyData/Playlist1.json": {"playlists": []},
                                         "MyData/Read Me First.pdf": b"%PDF"})
    message = refused(path, "no_history")
    assert "another kind of Spotify download" in message and "Extended streaming history" in message
    (tmp_path / "Userdata.json").write_text('{"username": "x"}')
    refused(tmp_path / "Userdata.json", "no_history")


def test_non_json_history_member(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: b"\x89PNG\r\n\x1a\n" + bytes(200)})
    assert "not valid JSON" in refused(path, "not_json")
    path = make_zip(tmp_path / "b.zip", {EXT: b'[{"ts": "2021-01-01T00:00:00Z", "ms_played": 4'})
    assert "'Streaming_History_Audio_2020-2021_0.json'" in refused(path, "not_json")
    path = make_zip(tmp_path / "c.zip", {EXT: b'[{"ts": "2021-01-01T00:00:00Z", "ms_played": 40000}] trailing'})
    refused(path, "not_json")
    (tmp_path / "d.json").write_bytes(b'[{"endTime": "2023-05-01 18:22", "artistName": "\xff\xfe"')
    refused(tmp_path / "d.json", "not_json")


@pytest.mark.parametrize("content", [
    [1, 2, 3], [[play()]], ["a"], [{"foo": 1}], {"ts": "2021-01-01T00:00:00Z"},
    [play(), {"ts": "2021-01-01T00:00:00Z"}],                          # a later entry without ms_played
    [play(), account_play()],                                          # formats mixed within a file
    [play(ms="lots")], [play(ms=-5)], [play(ts="yesterday")], [play(ts=None)],
    [play(ts="1970-01-01T00:00:00Z")], [play(ts="9999-12-31T00:00:00Z")], [play(ts=20210304)],
])
def test_wrong_shape(tmp_path, content):
    path = make_zip(tmp_path / "a.zip", {EXT: content})
    refused(path, "shape")


def test_wrong_shape_bare_json_and_kind_against_name(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"name": "x"}]))
    assert "does not look like a Spotify streaming history" in refused(tmp_path / "a.json", "shape")
    path = make_zip(tmp_path / "b.zip", {EXT: [account_play()]})    # account entries in an extended file
    refused(path, "shape")
    path = make_zip(tmp_path / "c.zip", {ACC: [{"endTime": "2023-05-01 18:22", "msPlayed": 40000}]})
    refused(path, "shape")                                             # no artistName


def test_no_plays_at_all(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play(ms=100), play(artist=None, episode_name="E")]})
    assert "no music plays" in refused(path, "no_plays")
    path = make_zip(tmp_path / "b.zip", {EXT: []})
    refused(path, "no_plays")


@pytest.mark.parametrize("name", ["../Streaming_History_Audio_2020_0.json", "/etc/Streaming_History_Audio_0.json",
                                  "a/../../x.json", "C:/Users/x.json", "MyData\\Userdata.json", "a/b\x01.json"])
def test_path_tricks_are_refused(tmp_path, name):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()], name: [play()]})
    assert "outside" in refused(path, "path")


def test_nul_in_member_name_is_refused(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()], "MyData/aQQb.json": [play()]})
    path.write_bytes(path.read_bytes().replace(b"aQQb", b"a\x00Qb"))    # zipfile cannot write a NUL itself
    refused(path, "path")


def test_duplicate_member_names_are_refused(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()], EXT.replace("2020-2021", "2020-2022"): [play()]})
    path.write_bytes(path.read_bytes().replace(b"2020-2022", b"2020-2021"))
    refused(path, "damaged")


def test_too_many_members(tmp_path):
    members = {f"MyData/Playlist{i}.json": b"{}" for i in range(upload.MAX_MEMBERS)}
    members[EXT] = [play()]
    assert "more than 2000 files" in refused(make_zip(tmp_path / "a.zip", members), "members")


def _set_flag(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(signature)
        while at >= 0:
            flags = struct.unpack_from("<H", out, at + offset)[0]
            struct.pack_into("<H", out, at + offset, flags | bit)
            at = out.find(signature, at + 4)
    return bytes(out)


def test_encrypted_zip_is_refused(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()]})
    path.write_bytes(_set_flag(path.read_bytes(), 0x1))
    assert "password" in refused(path, "encrypted")


def test_honest_bomb_refused_by_ratio(tmp_path):
    body = b"[" + b" " * (5 * 1024 * 1024) + b"]"                    # 5 MB compressing about 1000:1
    path = make_zip(tmp_path / "a.zip", {EXT: body})
    assert "ZIP bomb" in refused(path, "ratio")


def _patch_central_size(data: bytes, member: str, size: int) -> bytes:
    """Make the central directory (and local header) declare `size` uncompressed bytes for `member`."""
    out = bytearray(data)
    name = member.encode()
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46: central + 46 + name_len]) == name:
            struct.pack_into("<I", out, central + 24, size)
            local = struct.unpack_from("<I", out, central + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_bomb_with_a_lying_header(tmp_path):
    body = b"[" + b" " * (20 * 1024 * 1024) + b"]"
    path = make_zip(tmp_path / "a.zip", {EXT: body})
    compressed = zipfile.ZipFile(path).getinfo(EXT).compress_size
    # declares fewer bytes than its own compressed data: a lie, refused before anything is read
    path.write_bytes(_patch_central_size(path.read_bytes(), EXT, 100))
    assert "damaged" in refused(path, "damaged")
    # declares a plausible size (no absurd ratio, small total): reading stops there and the CRC fails
    path = make_zip(tmp_path / "b.zip", {EXT: body})
    path.write_bytes(_patch_central_size(path.read_bytes(), EXT, compressed * 50))
    refused(path, "damaged")


def test_declared_total_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(upload_archive, "MAX_TOTAL_BYTES", 50_000)
    members = {EXT: [play()] * 100, EXT.replace("_0", "_1"): [play()] * 100}   # about 2 x 45 KB
    assert "too big" in refused(make_zip(tmp_path / "a.zip", members), "too_big")
    (tmp_path / "big.json").write_text(json.dumps([play()] * 200))
    refused(tmp_path / "big.json", "too_big")


def test_bytes_actually_read_are_counted():
    budget = upload_archive.Budget(total=10, limit=1000)
    stream = upload_archive.CountedStream(io.BytesIO(b"x" * 5000), budget, prefix=b"[")
    assert stream.read(1) == b"[" and budget.read == 0
    assert stream.read(600) == b"x" * 600 and budget.read == 600
    with pytest.raises(UploadRefused) as info:
        stream.read(600)
    assert info.value.code == "too_big"
    chunk = upload_archive.CHUNK                                          # never a whole-file read
    stream = upload_archive.CountedStream(io.BytesIO(b"x" * 3 * chunk), upload_archive.Budget(total=0))
    assert len(stream.read(-1)) == chunk and len(stream.read(10 * chunk)) == chunk


def test_unsupported_compression_is_damaged(tmp_path):
    path = make_zip(tmp_path / "a.zip", {EXT: [play()]})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)
        struct.pack_into("<H", data, at + offset, 99)                     # AES / unknown method
    path.write_bytes(bytes(data))
    refused(path, "damaged")


def test_refusal_returns_nothing_and_is_a_source_error():
    assert issubclass(UploadRefused, SourceError)
    assert upload.MAX_TOTAL_BYTES == 300 * 1024 * 1024 and upload.MAX_RATIO == 200
    assert upload.BACKEND_NAME in ("yajl2_c", "yajl2_cffi", "yajl2", "yajl", "python")
