"""Music vocabulary for the bundled simulator (see `bundled.py`): artists, tracks, listeners.

Artists get a genre, an era and signature moods; tracks inherit them (with some drift) and add
instruments and a lyrical theme; personas are written from a listener's strongest hidden
preferences over the same facets. All names are fictional.
"""

from __future__ import annotations

import numpy as np

from ._vocab_ecommerce import _and, _article, _cap, _pick

ERAS = ["1960s", "1970s", "1980s", "1990s", "2000s", "2010s", "2020s"]

# genre -> words for personas, instruments, typical moods, typical eras, artist-name forms
GENRES: dict[str, dict[str, list[str]]] = {
    "rock": dict(words=["rock", "guitar rock", "classic rock"], instruments=["electric guitar", "bass guitar", "drums", "Hammond organ"], moods=["energetic", "nostalgic", "angry", "upbeat"], eras=["1960s", "1970s", "1980s", "1990s", "2000s"], names=["band", "band", "person"]),
    "pop": dict(words=["pop", "chart pop", "catchy pop"], instruments=["synthesizer", "drum machine", "piano", "acoustic guitar"], moods=["upbeat", "romantic", "euphoric", "melancholic"], eras=["1980s", "2000s", "2010s", "2020s"], names=["person", "person", "band"]),
    "hip-hop": dict(words=["hip-hop", "rap", "boom-bap hip-hop"], instruments=["turntables", "808 drums", "sampler", "bass synth"], moods=["energetic", "dark", "reflective", "angry"], eras=["1990s", "2000s", "2010s", "2020s"], names=["mc", "mc", "person"]),
    "jazz": dict(words=["jazz", "bebop", "smooth jazz"], instruments=["saxophone", "trumpet", "double bass", "piano", "brushed drums"], moods=["chill", "romantic", "reflective", "melancholic"], eras=["1960s", "1970s", "2010s"], names=["ensemble", "person"]),
    "classical": dict(words=["classical", "orchestral music", "chamber music"], instruments=["strings", "piano", "cello", "violin", "woodwinds"], moods=["reflective", "melancholic", "dreamy", "euphoric"], eras=["1960s", "1970s", "1990s", "2010s"], names=["orchestra", "person"]),
    "electronic": dict(words=["electronic", "techno", "synth-driven dance music"], instruments=["synthesizer", "drum machine", "sampler", "bass synth"], moods=["euphoric", "energetic", "dreamy", "dark"], eras=["1980s", "1990s", "2000s", "2010s", "2020s"], names=["producer", "producer", "band"]),
    "folk": dict(words=["folk", "acoustic folk", "singer-songwriter folk"], instruments=["acoustic guitar", "fiddle", "banjo", "harmonica", "mandolin"], moods=["reflective", "nostalgic", "melancholic", "chill"], eras=["1960s", "1970s", "2000s", "2010s"], names=["person", "band"]),
    "country": dict(words=["country", "Americana", "honky-tonk country"], instruments=["pedal steel", "acoustic guitar", "fiddle", "banjo"], moods=["nostalgic", "upbeat", "romantic", "melancholic"], eras=["1970s", "1990s", "2000s", "2010s", "2020s"], names=["person", "person", "band"]),
    "R&B": dict(words=["R&B", "soul", "neo-soul"], instruments=["Rhodes piano", "bass guitar", "horn section", "drum machine"], moods=["romantic", "chill", "upbeat", "melancholic"], eras=["1960s", "1970s", "1990s", "2010s", "2020s"], names=["person", "person", "band"]),
    "metal": dict(words=["metal", "heavy metal", "thrash metal"], instruments=["distorted guitar", "double-kick drums", "bass guitar"], moods=["angry", "dark", "energetic"], eras=["1970s", "1980s", "1990s", "2000s"], names=["metal", "metal", "band"]),
    "reggae": dict(words=["reggae", "roots reggae", "dub"], instruments=["bass guitar", "Hammond organ", "drums", "horn section"], moods=["chill", "upbeat", "reflective"], eras=["1970s", "1980s", "2000s"], names=["band", "person"]),
    "blues": dict(words=["blues", "Delta blues", "electric blues"], instruments=["slide guitar", "harmonica", "electric guitar", "piano"], moods=["melancholic", "nostalgic", "reflective"], eras=["1960s", "1970s", "1990s"], names=["person", "person"]),
    "latin": dict(words=["Latin pop", "salsa", "reggaeton"], instruments=["congas", "trumpet", "nylon-string guitar", "drum machine"], moods=["upbeat", "romantic", "euphoric", "energetic"], eras=["1990s", "2000s", "2010s", "2020s"], names=["person", "band"]),
    "indie": dict(words=["indie", "indie rock", "lo-fi indie"], instruments=["electric guitar", "synthesizer", "drums", "glockenspiel"], moods=["dreamy", "melancholic", "nostalgic", "upbeat"], eras=["2000s", "2010s", "2020s"], names=["band", "band", "person"]),
}  # fmt: skip

# mood -> (synonyms for copy, listener roles)
MOODS: dict[str, tuple[list[str], list[str]]] = {
    "melancholic": (["melancholic", "wistful", "bittersweet", "sad"], ["Rainy-day listener", "Late-night overthinker"]),
    "upbeat": (["upbeat", "feel-good", "sunny", "cheerful"], ["Kitchen dancer", "Weekend road-tripper"]),
    "energetic": (["energetic", "high-energy", "driving", "pumped-up"], ["Gym regular", "Morning runner"]),
    "chill": (["chill", "laid-back", "mellow", "relaxed"], ["Sunday-morning listener", "Coffee-shop regular"]),
    "romantic": (["romantic", "tender", "sensual", "heartfelt"], ["Hopeless romantic", "Candle-lit-dinner host"]),
    "dark": (["dark", "brooding", "moody", "ominous"], ["Night owl", "Horror-film fan"]),
    "dreamy": (["dreamy", "hazy", "ethereal", "floaty"], ["Stargazer", "Daydreamer"]),
    "angry": (["angry", "aggressive", "furious", "raw"], ["Mosh-pit veteran", "Frustrated commuter"]),
    "nostalgic": (["nostalgic", "retro", "throwback", "sentimental"], ["Vinyl collector", "Record-fair regular"]),
    "euphoric": (["euphoric", "uplifting", "anthemic", "soaring"], ["Festival-goer", "Party host"]),
    "reflective": (["reflective", "thoughtful", "introspective", "contemplative"], ["Bookworm studying to music", "Long-walk listener"]),
}  # fmt: skip

# theme -> (lyric-line phrases, title words)
THEMES: dict[str, tuple[list[str], list[str]]] = {
    "love": (["falling in love", "a love that lasts a lifetime", "devotion to a partner"], ["Heart", "Honey", "Forever", "Devotion", "Sweetheart", "Kiss"]),
    "heartbreak": (["a painful break-up", "a love that slipped away", "getting over an ex"], ["Goodbye", "Broken", "Tears", "Ashes", "Empty Room", "Letters"]),
    "freedom": (["breaking free", "leaving everything behind", "the open sky and freedom"], ["Wings", "Runaway", "Open Sky", "Free", "Horizon", "Escape"]),
    "city nights": (["neon-lit city nights", "the streets after midnight", "a restless city that never sleeps"], ["Neon", "Midnight", "Skyline", "Downtown", "City Lights", "Subway"]),
    "nature": (["forests, rivers and mountains", "the changing seasons", "the sea and the tides"], ["River", "Willow", "Mountain", "Tide", "Wildflower", "Evergreen"]),
    "rebellion": (["rebellion against authority", "refusing to play by the rules", "a generation fighting back"], ["Riot", "Revolution", "Fire", "No Surrender", "Uprising", "Static"]),
    "partying": (["dancing all night", "a wild night out with friends", "the weekend finally arriving"], ["Dancefloor", "Saturday", "Party", "Glow", "Till Dawn", "Confetti"]),
    "faith": (["faith and redemption", "finding grace in hard times", "prayer and hope"], ["Grace", "Hallelujah", "Amen", "Salvation", "Mercy", "Light"]),
    "nostalgia": (["growing up and looking back", "summers long gone", "old friends and old photographs"], ["Polaroid", "Yesterday", "Hometown", "Memories", "Old Photographs", "Back Then"]),
    "road trips": (["driving down an endless highway", "a road trip with no destination", "long drives at dawn"], ["Highway", "Route 9", "Rearview", "Mile Marker", "Gasoline", "Open Road"]),
    "social justice": (["standing up for equality", "the struggles of working people", "injustice and hope for change"], ["Rise", "Equal", "Voices", "March", "Change", "Stand"]),
    "self-empowerment": (["believing in yourself", "overcoming every obstacle", "becoming stronger after a fall"], ["Unbreakable", "Rise Up", "Stronger", "Crown", "Champion", "Fearless"]),
    "loneliness": (["loneliness in a crowded world", "waiting for a call that never comes", "long, quiet nights alone"], ["Alone", "Echo", "Silence", "Ghost", "Empty", "Solitude"]),
    "home": (["coming home after years away", "the people and places that make a home", "missing home"], ["Home", "Porch Light", "Kitchen Table", "Homecoming", "Harbour", "Roots"]),
    "summer": (["lazy summer days", "a summer romance", "heat waves and beaches"], ["Summer", "Sunburn", "Lemonade", "Golden Hour", "Beach", "July"]),
    "ambition": (["chasing success against the odds", "the hustle to make it big", "working hard for a better life"], ["Hustle", "Gold", "Empire", "Grind", "Paper Chase", "Top Floor"]),
}  # fmt: skip

LINE_OPENERS = [
    "Lyrics about",
    "A song about",
    "Sings about",
    "Words about",
    "Tells a story of",
    "Verses about",
]
SETTINGS = ["", "", "", " on a rain-soaked night drive", " in a small coastal town", " through the eyes of a teenager", " set in a smoky bar", " from a prison cell", " on the last night of summer", " in a snowed-in cabin", " told as a letter", " at the end of a long shift", " in a border town", " under the northern lights", " after a funeral", " on a crowded dance floor", " in a half-empty diner", " on a night bus home", " at a wedding", " in a hospital waiting room", " on a fishing boat", " in a college dorm", " at a county fair", " on the last train out"]  # fmt: skip
ADJ_WORDS = ["Golden", "Paper", "Velvet", "Silver", "Electric", "Broken", "Quiet", "Wild", "Blue", "Crimson", "Hollow", "Bright", "Lucky", "Stray", "Burning", "Lonely", "Tender", "Secret"]  # fmt: skip
BAND_NOUNS = ["Harbours", "Foxes", "Lanterns", "Comets", "Ravens", "Pilots", "Saints", "Wolves", "Tides", "Arrows", "Sparrows", "Engines", "Echoes", "Strangers", "Satellites", "Orchards"]  # fmt: skip
FIRST = ["Mara", "Jonah", "Lila", "Theo", "Nina", "Caleb", "Ruby", "Elias", "Ivy", "Marcus", "Sofia", "Dante", "Ada", "Felix", "Iris", "Omar", "Tessa", "Leon", "June", "Rafael", "Noor", "Wes", "Greta", "Kofi"]  # fmt: skip
LAST = ["Quinn", "Hale", "Moreno", "Okafor", "Lindqvist", "Reyes", "Bishop", "Calloway", "Novak", "Ashby", "Delgado", "Frost", "Marlow", "Vance", "Adeyemi", "Keller", "Sato", "Whitlock", "Baptiste", "Rowe"]  # fmt: skip
METAL = ["Iron", "Obsidian", "Grave", "Black", "Venom", "Storm", "Blood", "Doom"]
METAL_NOUNS = ["Serpent", "Throne", "Citadel", "Oath", "Reaper", "Sepulchre", "Monolith", "Inferno"]
NOUNS = ["Lanterns", "Satellite", "Wildfire", "Harbour", "Rooftops", "Static", "Paper Planes", "Moonlight", "Avenue", "Parade", "Frequencies", "Weather", "Daylight", "Shadows", "Windows", "Radio"]  # fmt: skip
KEYS = ["C minor", "D major", "E-flat major", "F-sharp minor", "G major", "A minor", "B-flat major"]
FORMS = ["Nocturne", "Sonata", "Étude", "Prelude", "Suite", "Serenade", "Concerto", "Elegy"]


def artist_name(rng: np.random.Generator, genre: str) -> str:
    """A fictional artist name in the style of `genre`."""
    form = _pick(rng, GENRES[genre]["names"])
    first, last = _pick(rng, FIRST), _pick(rng, LAST)
    if form == "band":
        return _pick(rng, [f"The {_pick(rng, ADJ_WORDS)} {_pick(rng, BAND_NOUNS)}", f"{first} & the {_pick(rng, BAND_NOUNS)}", f"{_pick(rng, ADJ_WORDS)} {_pick(rng, BAND_NOUNS)}"])  # fmt: skip
    if form == "mc":
        return _pick(rng, [f"MC {last}", f"Lil {first}", f"Young {last}", f"{first.upper()}{int(rng.integers(2, 99))}"])  # fmt: skip
    if form == "producer":
        return _pick(rng, [f"DJ {first}", f"{_pick(rng, ADJ_WORDS)}{_pick(rng, BAND_NOUNS).lower()}", f"{last} Machine"])  # fmt: skip
    if form == "ensemble":
        return f"The {first} {last} {_pick(rng, ['Quartet', 'Trio', 'Quintet', 'Big Band'])}"
    if form == "orchestra":
        return _pick(rng, [f"{last} String Quartet", f"{_pick(rng, ADJ_WORDS)} Harbour Chamber Orchestra", f"{first} {last} Ensemble"])  # fmt: skip
    if form == "metal":
        return f"{_pick(rng, METAL)} {_pick(rng, METAL_NOUNS)}"
    return f"{first} {last}"


def track_title(rng: np.random.Generator, genre: str, theme: str) -> str:
    """A track title drawn from the theme's words (classical pieces get a form and a key)."""
    word = _pick(rng, THEMES[theme][1])
    if genre == "classical":
        return f'{_pick(rng, FORMS)} No. {int(rng.integers(1, 12))} in {_pick(rng, KEYS)}, "{word}"'
    form = int(rng.integers(10))
    if form < 3:
        return f"{_pick(rng, ADJ_WORDS)} {word}"
    if form == 3:
        return f"{word} {_pick(rng, ['Song', 'Blues', 'Dream', 'Anthem', 'Lullaby', 'Skies', 'Waltz'])}"
    if form == 4:
        return f"{word} ({_pick(rng, ['Live', 'Acoustic', 'Remastered', 'Demo', 'Extended Mix'])})"
    if form == 5:
        other = _pick(rng, [w for w in THEMES[theme][1] if w != word])
        return f"{word} & {other}"
    if form in (6, 7):
        return f"{word} {_pick(rng, ['at Midnight', 'in the Rain', 'on Fire', 'After Dark', 'in Bloom', 'for Two', 'on Repeat', 'in July', 'Tonight', 'Again'])}"
    if form == 8:
        return f"{_pick(rng, ADJ_WORDS)} {_pick(rng, NOUNS)}"
    return word


def lyrics_line(rng: np.random.Generator, genre: str, theme: str, mood: str) -> str:
    """One line on the lyrics' themes (instrumental genres describe what the music evokes)."""
    phrase = _pick(rng, THEMES[theme][0])
    setting = _pick(rng, SETTINGS)
    adj = _pick(rng, MOODS[mood][0])
    if genre in ("classical", "jazz", "electronic") and rng.random() < 0.5:
        return _pick(rng, [f"Instrumental; evokes {phrase}{setting}.",
                           f"No vocals: {_article(adj)} piece that evokes {phrase}{setting}."])  # fmt: skip
    opener = _pick(
        rng, LINE_OPENERS + [f"{_cap(_article(adj))} song about", f"{_cap(adj)} verses about"]
    )
    return f"{opener} {phrase}{setting}."


def persona(
    rng: np.random.Generator,
    genres: list[str],
    mood: str,
    era: str | None,
    instrument: str | None,
    theme: str | None,
) -> str:
    """Persona from the listener's top genres, mood, era, instrument and theme."""
    role = _pick(rng, MOODS[mood][1])
    mood_word = _pick(rng, MOODS[mood][0])
    g1 = _pick(rng, GENRES[genres[0]]["words"])
    g2 = _pick(rng, GENRES[genres[1]]["words"]) if len(genres) > 1 else None
    form = int(rng.integers(3))
    if form == 0:
        text = f"{role} who loves {mood_word} {g1}" + (f" and some {g2}" if g2 else "")
    elif form == 1:
        text = (
            f"{role}; mostly {_and([g1] + ([g2] if g2 else []))}, the more {mood_word} the better"
        )
    else:
        text = f"{role} with a soft spot for {mood_word} {g1}" + (
            f", plus a bit of {g2}" if g2 else ""
        )
    extras = []
    if era is not None:
        extras.append(
            _pick(rng, [f"especially music from the {era}", f"keeps going back to the {era}"])
        )
    if instrument is not None:
        extras.append(_pick(rng, [f"anything with {instrument}", f"a sucker for {instrument}"]))
    if theme is not None:
        extras.append(f"likes songs about {_pick(rng, THEMES[theme][0])}")
    if extras:
        text += ". " + _cap(_and(extras))
    return text + "."
