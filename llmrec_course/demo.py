"""The ten-second first taste: a small catalogue from three domains, five users, top-5 for each.

Each user is a short text plus a history of items. Their vector is the mean of the embeddings of
their phrase and their history items (`user_profile`); every catalogue item not yet seen is scored
by cosine similarity and the best five are shown, each with a one-line reason: the history item or
user phrase whose embedding is closest to the recommended item.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .score import score, top_k, user_profile

__all__ = ["DEMO_ITEMS", "DEMO_USERS", "DemoRecommendation", "recommend_demo"]

# (item_id, domain, title, description)
DEMO_ITEMS: list[tuple[str, str, str, str]] = [
    # e-commerce
    (
        "E01",
        "ecommerce",
        "Trailblazer 40L hiking backpack",
        "Water-resistant ripstop nylon pack with a padded hip belt for multi-day mountain trips.",
    ),
    (
        "E02",
        "ecommerce",
        "Merino wool base layer",
        "Breathable thermal top that keeps you warm on cold hikes and ski days.",
    ),
    (
        "E03",
        "ecommerce",
        "Cast-iron skillet, 12 inch",
        "Pre-seasoned pan for searing steaks and baking cornbread; lasts for generations.",
    ),
    (
        "E04",
        "ecommerce",
        "Chef's knife, Damascus steel",
        "Razor-sharp 8-inch blade for slicing vegetables, fish and meat in a busy kitchen.",
    ),
    (
        "E05",
        "ecommerce",
        "Noise-cancelling wireless headphones",
        "Over-ear Bluetooth headphones with 30-hour battery, ideal for flights and open offices.",
    ),
    (
        "E06",
        "ecommerce",
        "Mechanical keyboard with brown switches",
        "Tactile, quiet-ish keyboard for programmers who type all day.",
    ),
    (
        "E07",
        "ecommerce",
        "Yoga mat, natural rubber",
        "Non-slip 5 mm mat for yoga, pilates and home stretching routines.",
    ),
    (
        "E08",
        "ecommerce",
        "Stainless steel water bottle",
        "Insulated bottle keeps drinks cold for 24 hours on the trail or at the gym.",
    ),
    (
        "E09",
        "ecommerce",
        "Children's wooden building blocks",
        "Colourful beech-wood blocks that help toddlers learn shapes and balance.",
    ),
    (
        "E10",
        "ecommerce",
        "Espresso machine with milk frother",
        "Compact 15-bar machine for lattes and cappuccinos at home.",
    ),
    (
        "E11",
        "ecommerce",
        "Two-person camping tent",
        "Lightweight dome tent that pitches in five minutes; survives wind and rain.",
    ),
    (
        "E12",
        "ecommerce",
        "Ergonomic office chair",
        "Adjustable lumbar support and mesh back for long days at the desk.",
    ),
    # news
    (
        "N01",
        "news",
        "Central bank raises interest rates again",
        "Policymakers cite stubborn inflation; mortgage costs are expected to climb.",
    ),
    (
        "N02",
        "news",
        "Stock markets rally on strong tech earnings",
        "Chip makers and cloud companies led the gains as investors cheered profits.",
    ),
    (
        "N03",
        "news",
        "New open-source language model rivals commercial systems",
        "Researchers release weights and training data for a model that tops coding benchmarks.",
    ),
    (
        "N04",
        "news",
        "Smartphone makers race to add on-device AI",
        "Phones now run assistants locally, promising privacy and speed.",
    ),
    (
        "N05",
        "news",
        "Underdogs win the cup final in extra time",
        "A late header sealed a historic first trophy for the club.",
    ),
    (
        "N06",
        "news",
        "Marathon record falls in Berlin",
        "The winner shaved 30 seconds off the world best on a cool, flat course.",
    ),
    (
        "N07",
        "news",
        "Heatwave breaks temperature records across Europe",
        "Scientists link the extreme summer to climate change; farmers fear drought.",
    ),
    (
        "N08",
        "news",
        "City council approves new tram line",
        "The route will link the university to the central station by 2028.",
    ),
    (
        "N09",
        "news",
        "Vaccine trial shows promise against malaria",
        "A new shot cut infections by three quarters in children, researchers report.",
    ),
    (
        "N10",
        "news",
        "Michelin guide names the year's best new restaurants",
        "Small seasonal kitchens and plant-based menus dominate the list.",
    ),
    (
        "N11",
        "news",
        "National park opens new long-distance trail",
        "The 300 km route crosses glaciers, forests and alpine huts.",
    ),
    (
        "N12",
        "news",
        "Electric car sales overtake diesel for the first time",
        "Cheaper batteries and new charging stations drive the switch.",
    ),
    # music
    (
        "M01",
        "music",
        "Midnight Rain — The Velvet Owls",
        "Melancholic indie folk ballad with acoustic guitar and soft harmonies about leaving home.",
    ),
    (
        "M02",
        "music",
        "Neon Skyline — Pulse Theory",
        "Upbeat synth-pop anthem with driving drums, made for night drives and dancing.",
    ),
    (
        "M03",
        "music",
        "Blue in Green — Trio Lumen",
        "Late-night cool jazz with brushed drums, upright bass and a gentle piano.",
    ),
    (
        "M04",
        "music",
        "Thunder Road Revival — Iron Pines",
        "Loud classic rock with roaring guitar riffs and a stadium chorus.",
    ),
    (
        "M05",
        "music",
        "Nocturne in E minor — Clara Weiss",
        "Solo classical piano, slow and reflective, for studying or winding down.",
    ),
    (
        "M06",
        "music",
        "Concrete Poetry — MC Verse",
        "Conscious hip-hop with boom-bap beats and sharp lyrics about city life.",
    ),
    (
        "M07",
        "music",
        "Sunrise Yoga Flow — Ambient Fields",
        "Calm ambient soundscape with soft pads and birdsong for meditation.",
    ),
    (
        "M08",
        "music",
        "Bassline Fever — DJ Kora",
        "High-energy house track with a pumping four-on-the-floor beat for workouts.",
    ),
    (
        "M09",
        "music",
        "Campfire Stories — Hollow Creek",
        "Warm bluegrass with banjo and fiddle, songs about mountains and the open road.",
    ),
    (
        "M10",
        "music",
        "Velvet Heartbreak — Nia Rose",
        "Smooth R&B slow jam with lush vocals about love and longing.",
    ),
    (
        "M11",
        "music",
        "Code & Coffee — Lo-Fi Lab",
        "Chilled lo-fi beats with vinyl crackle, perfect background for programming.",
    ),
    (
        "M12",
        "music",
        "Storm Over Valhalla — Frostbite",
        "Epic symphonic metal with choirs, double-kick drums and Norse myths.",
    ),
]

# (user_id, phrase describing them, history item ids, oldest first)
DEMO_USERS: list[tuple[str, str, list[str]]] = [
    ("alice", "weekend hiker who loves the mountains and sleeps outdoors", ["E01", "N11", "M09"]),
    (
        "bruno",
        "home cook who follows food news and listens to jazz while cooking",
        ["E03", "N10", "M03"],
    ),
    ("chen", "software engineer into AI research, gadgets and focus music", ["E06", "N03", "M11"]),
    ("dara", "runner and yoga fan who trains every morning", ["E07", "N06", "M08"]),
    ("eve", "keeps an eye on the economy, markets and electric cars", ["N01", "N12", "E12"]),
]


@dataclass(frozen=True)
class DemoRecommendation:
    user_id: str
    rank: int
    item_id: str
    domain: str
    title: str
    score: float
    reason: str


def item_text(item: tuple[str, str, str, str]) -> str:
    """The text embedded for a demo item: its title and description."""
    return f"{item[2]}. {item[3]}"


def recommend_demo(encoder, k: int = 5) -> list[DemoRecommendation]:
    """Top-k unseen demo items for every demo user, with the closest history item or phrase as reason."""
    item_ids = [item[0] for item in DEMO_ITEMS]
    row = {item_id: i for i, item_id in enumerate(item_ids)}
    item_emb = encoder.encode([item_text(item) for item in DEMO_ITEMS])  # (N, d)
    phrase_emb = encoder.encode([user[1] for user in DEMO_USERS])  # (U, d)
    results = []
    for u, (user_id, phrase, history) in enumerate(DEMO_USERS):
        evidence = torch.cat(
            [phrase_emb[u : u + 1], item_emb[[row[h] for h in history]]]
        )  # (1+h, d)
        profile = user_profile(evidence, normalize=True)  # (d,)
        scores = score(profile, item_emb, "cosine")  # (1, N)
        idx, val = top_k(scores, k, exclude=[[row[h] for h in history]])
        labels = [f"you said: “{phrase}”"] + [
            f"you liked “{DEMO_ITEMS[row[h]][2]}”" for h in history
        ]
        for rank, (i, s) in enumerate(zip(idx[0].tolist(), val[0].tolist()), start=1):
            closest = int(score(item_emb[i], evidence, "cosine")[0].argmax())
            item = DEMO_ITEMS[i]
            results.append(
                DemoRecommendation(
                    user_id, rank, item[0], item[1], item[2], float(s), labels[closest]
                )
            )
    return results
