"""Demo listeners for the Spotify sandbox: hand-made tastes, an adversarial one, generated ones."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache

# (album artist(s), album name, release date "YYYY" or "YYYY-MM-DD", [top track names]).
# Several tracks per album on purpose: top albums are derived from top tracks.
HAND_MADE = {
    "nadia": ("Nadia Haddad", "FR", [
        ("Portishead", "Dummy", "1994-08-22", ["Glory Box", "Sour Times", "Roads", "Wandering Star", "Mysterons"]),
        ("Air", "Moon Safari", "1998-01-16", ["La femme d'argent", "Sexy Boy", "All I Need", "Kelly Watch the Stars"]),
        ("Stromae", "Racine carrée", "2013-08-16", ["Papaoutai", "Formidable", "Tous les mêmes", "Ta fête"]),
        ("Christine and the Queens", "Chaleur humaine", "2014-06-02", ["Tilted", "Christine", "Saint Claude", "Paradis perdus"]),
        ("Massive Attack", "Mezzanine", "1998-04-20", ["Teardrop", "Angel", "Inertia Creeps"]),
        ("Serge Gainsbourg", "Histoire de Melody Nelson", "1971-03-24", ["Melody", "Ballade de Melody Nelson", "Cargo culte"]),
        ("Mashrou' Leila", "Ibn El Leil", "2015-12-04", ["Aoede", "Tayf", "3 Minutes"]),
        ("Yasmine Hamdan", "Ya Nass", "2012", ["Hal", "Beirut", "Shouei"]),
        ("Fairuz", "The Very Best of Fairuz", "1998", ["Habaytak Bil Sayf", "Nassam Alayna El Hawa", "Li Beirut"]),
        ("Françoise Hardy", "Tous les garçons et les filles", "1962", ["Tous les garçons et les filles", "Le temps de l'amour"]),
        ("Ibrahim Maalouf", "Illusions", "2013", ["Illusions", "True Sorry"]),
        ("Acid Arab", "Musique de France", "2016", ["Stil", "La Hafla"]),
    ], ["Oum Kalthoum", "Daft Punk", "Charlotte Gainsbourg", "Tinariwen", "Ghostpoet"]),
    "tomas": ("Tomás Ferreira", "PT", [
        (("Milton Nascimento", "Lô Borges"), "Clube da Esquina", "1972",
         ["Tudo Que Você Podia Ser", "Cais", "O Trem Azul", "Clube da Esquina Nº 2"]),
        ("Seu Jorge", "The Life Aquatic Studio Sessions", "2005-11-08", ["Rebel Rebel", "Life on Mars?", "Starman", "Changes"]),
        ("Caetano Veloso", "Transa", "1972", ["You Don't Know Me", "Nine Out of Ten", "Triste Bahia"]),
        ("Jorge Ben", "África Brasil", "1976", ["Ponta de Lança Africano (Umbabarauma)", "Taj Mahal", "Xica da Silva"]),
        ("Os Mutantes", "Os Mutantes", "1968", ["Panis et Circenses", "A Minha Menina", "Baby"]),
        ("Marisa Monte", "Verde, Anil, Amarelo, Cor-de-Rosa e Carvão", "1994", ["Segue o Seco", "Ao Meu Redor", "Maria de Verdade"]),
        (("Stan Getz", "João Gilberto"), "Getz/Gilberto", "1964-03-01", ["The Girl from Ipanema", "Desafinado", "Corcovado"]),
        ("Bebel Gilberto", "Tanto Tempo", "2000-04-25", ["Samba da Bênção", "Tanto Tempo", "Sem Contenção"]),
        ("Gilberto Gil", "Expresso 2222", "1972", ["Back in Bahia", "Expresso 2222"]),
        ("Gal Costa", "Gal Costa", "1969", ["Não Identificado", "Divino, Maravilhoso"]),
        ("Tim Maia", "Racional, Vol. 1", "1975", ["Imunização Racional (Que Beleza)", "Bom Senso"]),
        ("Amália Rodrigues", "Com que voz", "1970", ["Com que voz", "Gaivota"]),
        ("Madredeus", "Existir", "1990", ["O Pastor"]),
    ], ["Elis Regina", "Chico Buarque", "Mariza", "Tom Zé"]),
    "aiko": ("Aiko Tanaka", "JP", [
        ("Yellow Magic Orchestra", "Solid State Survivor", "1979-09-25", ["Rydeen", "Technopolis", "Behind the Mask"]),
        ("Tatsuro Yamashita", "For You", "1982-01-21", ["Sparkle", "Love Talkin' (Honey It's You)", "Loveland, Island"]),
        ("Shiina Ringo", "Shōso Strip", "2000-03-31", ["Honnō", "Gips", "Tsumi to Batsu"]),
        ("Hikaru Utada", "First Love", "1999-03-10", ["First Love", "Automatic", "Movin' on without you"]),
        ("Cornelius", "Fantasma", "1997-08-25", ["Star Fruits Surf Rider", "Count Five or Six", "Chapter 8 ~Seashore and Horizon~"]),
        ("Taeko Ohnuki", "Sunshower", "1977-07-25", ["Tokai", "Summer Connection", "Kusuri wo Takusan"]),
        ("Perfume", "GAME", "2008-04-16", ["Polyrhythm", "Chocolate Disco", "Baby cruising Love"]),
        ("Mariya Takeuchi", "Variety", "1984-04-25", ["Plastic Love", "Mou Ichido"]),
        ("Ryuichi Sakamoto", "Merry Christmas Mr. Lawrence", "1983", ["Merry Christmas Mr. Lawrence", "Forbidden Colours"]),
        ("Haruomi Hosono", "Hosono House", "1973", ["Rock-a-Bye My Baby", "Koi wa Momoiro"]),
        ("Boris", "Pink", "2005", ["Pink", "Farewell"]),
        ("Kikagaku Moyo", "Masana Temples", "2018-10-05", ["Dripping Sun", "Nazo Nazo"]),
        ("Fishmans", "Long Season", "1996", ["Long Season"]),
    ], ["Happy End", "Yumi Arai", "Susumu Hirasawa", "Hiroshi Yoshimura"]),
    "marcus": ("Marcus Reed", "US", [
        ("Stevie Wonder", "Songs in the Key of Life", "1976-09-28", ["Sir Duke", "I Wish", "As", "Isn't She Lovely", "Pastime Paradise"]),
        ("Kendrick Lamar", "To Pimp a Butterfly", "2015-03-15", ["Alright", "King Kunta", "The Blacker the Berry", "u"]),
        ("Marvin Gaye", "What's Going On", "1971-05-21",
         ["What's Going On", "Mercy Mercy Me (The Ecology)", "Inner City Blues (Make Me Wanna Holler)"]),
        ("J Dilla", "Donuts", "2006-02-07", ["Workinonit", "Don't Cry", "Last Donut of the Night"]),
        ("A Tribe Called Quest", "The Low End Theory", "1991-09-24", ["Scenario", "Check the Rhime", "Buggin' Out"]),
        ("D'Angelo", "Voodoo", "2000-01-25", ["Untitled (How Does It Feel)", "Devil's Pie", "Spanish Joint"]),
        ("Outkast", "Aquemini", "1998-09-29", ["Rosa Parks", "SpottieOttieDopaliscious", "Aquemini"]),
        ("Curtis Mayfield", "Super Fly", "1972", ["Superfly", "Pusherman", "Freddie's Dead"]),
        ("Anderson .Paak", "Malibu", "2016-01-15", ["Come Down", "The Bird", "Am I Wrong"]),
        ("Slum Village", "Fan-Tas-Tic Vol. 2", "2000", ["Fall in Love", "Climax"]),
        ("Aretha Franklin", "I Never Loved a Man the Way I Love You", "1967-03-10", ["Respect", "Do Right Woman, Do Right Man"]),
        ("Erykah Badu", "Baduizm", "1997-02-11", ["On & On", "Next Lifetime"]),
        ("Parliament", "Mothership Connection", "1975-12-15",
         ["Give Up the Funk (Tear the Roof off the Sucker)", "P. Funk (Wants to Get Funked Up)"]),
    ], ["Sly & the Family Stone", "Moodymann", "Madlib", "Nina Simone", "Lauryn Hill"]),
    "lena": ("Lena Vogel", "DE", [
        ("Björk", "Homogenic", "1997-09-22", ["Jóga", "Bachelorette", "Hunter", "All Is Full of Love"]),
        ("Kraftwerk", "Trans-Europa Express", "1977-03", ["Trans-Europa Express", "Spiegelsaal", "Europa Endlos"]),
        ("Can", "Tago Mago", "1971", ["Halleluwah", "Oh Yeah", "Mushroom"]),
        ("Moderat", "II", "2013-08-02", ["Bad Kingdom", "Last Time", "Gita"]),
        ("Radiohead", "Kid A", "2000-10-02", ["Everything in Its Right Place", "Idioteque", "How to Disappear Completely"]),
        ("Boards of Canada", "Music Has the Right to Children", "1998-04-20", ["Roygbiv", "Aquarius", "Turquoise Hexagon Sun"]),
        ("Aphex Twin", "Selected Ambient Works 85-92", "1992-11-09", ["Xtal", "Ageispolis", "Heliosphan"]),
        ("Kraftwerk", "Computerwelt", "1981-05-10", ["Computerliebe", "Nummern"]),
        ("Neu!", "Neu!", "1972", ["Hallogallo", "Negativland"]),
        ("Einstürzende Neubauten", "Halber Mensch", "1985", ["Yü-Gung", "Halber Mensch"]),
        ("Nils Frahm", "Spaces", "2013-11-19", ["Says", "Hammers"]),
        ("Nina Hagen Band", "Nina Hagen Band", "1978", ["TV-Glotzer", "Unbeschreiblich weiblich"]),
        ("Deutsch Amerikanische Freundschaft", "Alles ist gut", "1981", ["Der Mussolini", "Als wär's das letzte Mal"]),
    ], ["Cluster", "Harmonia", "Apparat", "Ellen Allien", "Stereolab"]),
    "ifeoma": ("Ifeoma Okafor", "NG", [
        ("Little Simz", "Sometimes I Might Be Introvert", "2021-09-03", ["Introvert", "Woman", "I Love You, I Hate You", "Point and Kill"]),
        ("Wizkid", "Made in Lagos", "2020-10-30", ["Essence", "Ginger", "Smile"]),
        ("Burna Boy", "African Giant", "2019-07-26", ["Anybody", "Killin Dem", "Gbona"]),
        ("Tems", "If Orange Was a Place", "2021-09-17", ["Crazy Tings", "Found", "Avoid Things"]),
        ("Sade", "Diamond Life", "1984-07-16", ["Smooth Operator", "Your Love Is King", "Hang On to Your Love"]),
        ("William Onyeabor", "Who Is William Onyeabor?", "2013-10-15",
         ["Atomic Bomb", "Fantastic Man", "When the Going Is Smooth & Good"]),
        ("Fela Kuti", "Zombie", "1976", ["Zombie", "Mr. Follow Follow"]),
        ("Fela Kuti", "Expensive Shit", "1975", ["Expensive Shit", "Water No Get Enemy"]),
        ("Angélique Kidjo", "Logozo", "1991", ["Batonga", "We-We"]),
        ("King Sunny Adé", "Juju Music", "1982", ["Ja Funmi", "Eje Nlo Gba Ara Mi"]),
        ("Ebo Taylor", "Love and Death", "2010", ["Love and Death", "Nga Nga"]),
        ("Sault", "Untitled (Black Is)", "2020-06-19", ["Wildfires", "Hard Life"]),
        ("Tony Allen", "Film of Life", "2014", ["Boat Journey", "Go Back"]),
    ], ["Asa", "Oumou Sangaré", "Ali Farka Touré", "Ezra Collective", "Ayra Starr"]),
}

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
JS = "javascript:window.__pwned=1"
RTL = "\u202egnp.exe\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"
LONG = "Ｗｉｄｅ " + "🎵" * 3 + " " + "ñ̃ẽ" * 40 + " " + "A" * 120
XSS_PROBE = ("Probe " + SCRIPT, "ZZ", [
    (IMG, "Album " + SCRIPT, "2001-01-01", ["Track " + SVG, JS, "{{ 7*7 }} ${7*7}"]),
    (SVG, "</title><script>window.__pwned=1</script>", "1999", ["Track " + IMG, "Robert'); DROP TABLE Students;--"]),
    (JS, "javascript:alert(document.cookie)", "0000", [RTL, "&amp; &lt;b&gt;bold&lt;/b&gt;"]),
    (RTL, "Album " + RTL, "2020-02-29", [LONG, "Line\nbreak\ttab"]),
    (LONG, "Album " + LONG, "1970", ["Tail " + SCRIPT]),
    ("Sandbox No Art", "No artwork at all", "2010", ["Bare track", "Another bare track"]),
    ("'; alert(1); '", "\" onmouseover=\"window.__pwned=1", "1985", ["' onfocus='window.__pwned=1' autofocus='"]),
    ("<b>Bold</b> Artist", "<iframe src=javascript:window.__pwned=1>", "2024-12-31", ["<style>body{display:none}</style>"]),
], ["<marquee>Extra</marquee>", "%3Cscript%3Ewindow.__pwned=1%3C/script%3E", "\u0000Null\u0007Bell"])
NO_ART_ALBUMS = {"No artwork at all"}

HANDLE_RE = re.compile(r"^[a-z0-9_-]{3,30}$")
GENERATED_RE = re.compile(r"^listener-(\d{5})$")
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Image name -> label used for initials on generated cover art.
IMAGE_LABELS: dict[str, str] = {}


@dataclass(frozen=True)
class Artist:
    id: str
    name: str


@dataclass(frozen=True)
class Album:
    id: str
    name: str
    artists: tuple[Artist, ...]
    release_date: str
    total_tracks: int
    has_images: bool


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    album: Album
    duration_ms: int
    track_number: int


@dataclass(frozen=True)
class Listener:
    id: str
    display_name: str
    country: str
    tracks: tuple[Track, ...]  # canonical (medium_term, epoch 0) order
    artists: tuple[Artist, ...]


def spotify_id(*parts: str) -> str:
    """A deterministic 22-character base62 id, shaped like Spotify's."""
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest(), "big")
    chars = []
    for _ in range(22):
        number, rem = divmod(number, 62)
        chars.append(_B62[rem])
    return "".join(chars)


def _artist(name: str) -> Artist:
    artist = Artist(spotify_id("artist", name), name)
    IMAGE_LABELS["ar-" + artist.id] = name
    return artist


def _build(listener_id: str, display_name: str, country: str, albums: list, extras: list[str]) -> Listener:
    per_album: list[list[Track]] = []
    for names, album_name, release, track_names in albums:
        names = (names,) if isinstance(names, str) else names
        artists = tuple(_artist(n) for n in names)
        album_id = spotify_id("album", *names, album_name)
        seed = int(album_id.encode().hex(), 16)
        album = Album(album_id, album_name, artists, release, len(track_names) + 4 + seed % 9,
                      album_name not in NO_ART_ALBUMS)
        if album.has_images:
            IMAGE_LABELS["al-" + album_id] = album_name
        per_album.append([
            Track(spotify_id("track", album_id, name), name, album,
                  150_000 + int(spotify_id("d", album_id, name).encode().hex(), 16) % 240_000, (i * 3 + seed) % album.total_tracks + 1)
            for i, name in enumerate(track_names)
        ])
    # Canonical rank: round-robin over albums, so albums holding more tracks rank higher.
    tracks = [album_tracks[i] for i in range(max(map(len, per_album))) for album_tracks in per_album
              if i < len(album_tracks)]
    seen: dict[str, Artist] = {}
    for track in tracks:
        for artist in track.album.artists:
            seen.setdefault(artist.id, artist)
    for name in extras:
        artist = _artist(name)
        seen.setdefault(artist.id, artist)
    IMAGE_LABELS["u-" + listener_id] = display_name
    return Listener(listener_id, display_name, country, tuple(tracks), tuple(seen.values()))


_SYLL = ["ka", "lo", "mi", "ra", "ve", "no", "sa", "ti", "du", "ren", "bel", "mor", "zan", "qui", "pe", "lu"]
_FIRST = ["Alex", "Sam", "Noor", "Jonas", "Priya", "Mateo", "Yara", "Kenji", "Zoe", "Idris", "Maja", "Leon"]
_LAST = ["Moreau", "Novak", "Okoye", "Silva", "Larsen", "Haddad", "Ito", "Kowalski", "Reyes", "Brandt"]
_WORDS = ["Night", "Glass", "River", "Echo", "Velvet", "Static", "Golden", "Harbor", "Neon", "Paper",
          "Signal", "Winter", "Ember", "Satellite", "Garden", "Motion", "Silver", "Tide", "Cloud", "Fever"]
_BANDS = ["The {} {}s", "{} {}", "{} & the {}s"]


def _generated(listener_id: str, number: int) -> Listener:
    rng = random.Random(listener_id)
    display = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    artist_names: list[str] = []
    while len(artist_names) < 18:
        if rng.random() < 0.5:
            name = "".join(rng.choice(_SYLL) for _ in range(rng.randint(2, 3))).title()
            name += " " + "".join(rng.choice(_SYLL) for _ in range(2)).title()
        else:
            name = rng.choice(_BANDS).format(rng.choice(_WORDS), rng.choice(_WORDS))
        if name not in artist_names:
            artist_names.append(name)
    albums = []
    for i in range(12):
        title = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}"
        year = rng.randint(1960, 2024)
        release = str(year) if rng.random() < 0.3 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        tracks = [f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {n + 1}" for n in range(rng.randint(1, 5))]
        albums.append((artist_names[i], title, release, list(dict.fromkeys(tracks))))
    return _build(listener_id, display, rng.choice(["GB", "US", "DE", "BR", "JP", "NG", "FR"]), albums,
                  artist_names[12:])


@lru_cache(maxsize=4096)
def _listener(listener_id: str) -> Listener | None:
    if listener_id in HAND_MADE:
        return _build(listener_id, *HAND_MADE[listener_id])
    if listener_id == "xss-probe":
        return _build(listener_id, *XSS_PROBE)
    match = GENERATED_RE.match(listener_id)
    if match:
        return _generated(listener_id, int(match.group(1)))
    return None


def get_listener(listener_id: str, generated: int = 0) -> Listener | None:
    """The listener with this id, or None (generated ids exist only up to `generated`)."""
    match = GENERATED_RE.match(listener_id or "")
    if match and not 1 <= int(match.group(1)) <= generated:
        return None
    return _listener(listener_id or "")


def demo_listener_ids(generated: int = 0, limit: int | None = None) -> list[str]:
    """Ids of the hand-made listeners, the adversarial one, then generated ones (up to limit)."""
    ids = list(HAND_MADE) + ["xss-probe"]
    count = generated if limit is None else min(generated, limit)
    return ids + [f"listener-{n:05d}" for n in range(1, count + 1)]
