"""The owner's links as pure rules: which addresses are refused, and which service each one is."""
import pytest

from anchor.profiles import links
from anchor.profiles.editing import EditRefused


@pytest.mark.parametrize("raw,says", [
    ("javascript:alert(1)", "Only https://"),
    ("JavaScript:alert(document.cookie)", "Only https://"),
    ("  javascript:alert(1)", "Only https://"),
    ("java\tscript:alert(1)", "control character (U+0009)"),
    ("data:text/html;base64,PHNjcmlwdD4=", "Only https://"),
    ("http://artist.bandcamp.com", "Only https://"),
    ("ftp://example.com/file", "Only https://"),
    ("https://user:secret@artist.bandcamp.com/", "user name or password"),
    ("https://artist.bandcamp.com@evil.example/", "user name or password"),
    ("https://example.com/" + "a" * 2040, "the limit is 2,048"),
    ("https://exa\x00mple.com/", "control character (U+0000)"),
    ("https://example.com/\u202eexe.txt", "control character (U+202E)"),
    ("https://example.com/\u200b", "control character (U+200B)"),
    ("https://exam ple.com/", "space or control character"),
    ("https:\\\\evil.example", "backslash"),
    ("https:///evil.example", "host name"),
    ("https://localhost/", "host name"),
    ("https://[::1]/", "host name"),
    ("https://exa%2fmple.com/", "host name"),
    ("https://example.com:99999/", "port"),
    ("", "Enter the link's address"),
    (None, "Enter the link's address"),
])
def test_hostile_and_broken_addresses_are_refused_with_a_reason(raw, says):
    with pytest.raises(EditRefused) as refused:
        links.check_url(raw)
    assert says in str(refused.value)


@pytest.mark.parametrize("raw,stored", [
    ("https://artist.bandcamp.com/album/x", "https://artist.bandcamp.com/album/x"),
    ("artist.bandcamp.com", "https://artist.bandcamp.com"),
    (" https://example.com/shows ", "https://example.com/shows"),
    ("HTTPS://Example.com/", "HTTPS://Example.com/"),
    ("example.com:8443/x", "https://example.com:8443/x"),
    ("https://bücher.example/", "https://bücher.example/"),
    ("https://example.com/" + "a" * 2028, "https://example.com/" + "a" * 2028),
])
def test_good_addresses_are_kept_as_given(raw, stored):
    assert links.check_url(raw) == stored


@pytest.mark.parametrize("url,service", [
    ("https://bandcamp.com/artist", "bandcamp"),
    ("https://artist.bandcamp.com/", "bandcamp"),
    ("https://open.spotify.com/artist/0abc", "spotify"),
    ("https://spotify.link/xyz", "spotify"),
    ("https://music.apple.com/gb/artist/x/1", "apple-music"),
    ("https://www.youtube.com/@band", "youtube"),
    ("https://youtu.be/abc", "youtube"),
    ("https://music.youtube.com/channel/x", "youtube"),
    ("https://soundcloud.com/band", "soundcloud"),
    ("https://listen.tidal.com/artist/1", "tidal"),
    ("https://www.deezer.com/artist/1", "deezer"),
    ("https://www.instagram.com/band/", "instagram"),
    ("https://www.tiktok.com/@band", "tiktok"),
    ("https://dice.fm/artist/band", "tickets"),
    ("https://www.ticketmaster.co.uk/band-tickets/artist/1", "tickets"),
    ("https://mastodon.social/@band", "mastodon"),
    ("https://social.example/@band/", "mastodon"),
    ("https://mastodon.social/users/band", "website"),
    ("https://mastodon.social/@band/123", "website"),
    ("https://band.example/", "website"),
    # Never by substring, never by a look-alike.
    ("https://bandcamp.com.evil.example/", "website"),
    ("https://evilbandcamp.com/", "website"),
    ("https://bandcamp.co/", "website"),
    ("https://xn--bndcamp-3ve.com/", "website"),                     # punycode of a Cyrillic look-alike
    ("https://b\u0430ndcamp.com/", "website"),                        # Cyrillic "а"
    ("https://apple.com/music", "website"),
    ("https://open.spotify.com.evil.example/@band", "mastodon"),     # any other host may be Mastodon
    ("https://bandcamp.com./artist", "bandcamp"),
])
def test_services_are_recognised_by_the_parsed_host_only(url, service):
    assert links.recognise(links.check_url(url)).id == service


@pytest.mark.parametrize("raw,url,label", [
    ("", "https://artist.bandcamp.com/", "Bandcamp"),
    ("", "https://www.band.example/shows", "band.example"),
    ("", "https://mastodon.social/@band", "@band@mastodon.social"),
    ("  New   album \x07 ", "https://artist.bandcamp.com/", "New album"),
])
def test_labels_are_cleaned_and_default_to_the_service(raw, url, label):
    assert links.check_label(raw, url, links.recognise(url)) == label


def test_a_label_over_the_limit_is_refused():
    with pytest.raises(EditRefused, match="41 characters; the limit is 40"):
        links.check_label("x" * 41, "https://band.example/", links.WEBSITE)
