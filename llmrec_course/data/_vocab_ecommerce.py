"""E-commerce vocabulary and copywriting for the bundled simulator (see `bundled.py`).

Products are written from hidden attributes (category, product type, style, price band,
materials, uses); personas from a user's strongest hidden preferences over the same facets.
"""

from __future__ import annotations

import numpy as np

# category -> (product types: (name, materials), uses, details, persona roles, persona activities)
# fmt: off
CATEGORIES: dict[str, dict[str, list]] = {
    "Kitchen & Dining": {
        "types": [
            ("chef's knife", ["carbon steel", "Damascus steel", "stainless steel", "walnut wood"]),
            ("cast-iron skillet", ["cast iron", "enamel"]),
            ("saucepan", ["stainless steel", "copper", "aluminium"]),
            ("cutting board", ["walnut wood", "bamboo", "acacia wood"]),
            ("French press", ["borosilicate glass", "stainless steel"]),
            ("dinnerware set", ["stoneware", "porcelain", "ceramic"]),
            ("mixing bowl set", ["stainless steel", "ceramic", "borosilicate glass"]),
            ("baking tray", ["carbon steel", "silicone", "aluminium"]),
        ],
        "uses": ["everyday cooking", "weekend baking", "entertaining guests", "quick weeknight dinners", "batch cooking and meal prep"],
        "details": ["a dishwasher-safe finish", "an ergonomic, balanced design", "a lifetime warranty", "a gift-ready box"],
        "roles": ["home cook", "keen baker", "parent who cooks for a big family", "dinner-party host"],
        "activities": ["cooks for a big family", "bakes bread every weekend", "loves hosting dinner parties", "meal-preps on Sundays"],
    },
    "Outdoor & Camping": {
        "types": [
            ("two-person tent", ["ripstop nylon", "aluminium", "polyester"]),
            ("sleeping bag", ["goose down", "synthetic insulation", "ripstop nylon"]),
            ("camping stove", ["titanium", "aluminium", "stainless steel"]),
            ("trekking poles", ["carbon fibre", "aluminium", "cork"]),
            ("headlamp", ["aluminium", "recycled plastic"]),
            ("hiking backpack", ["ripstop nylon", "recycled polyester", "waxed canvas"]),
            ("camping chair", ["aluminium", "polyester", "canvas"]),
            ("insulated water bottle", ["stainless steel", "titanium"]),
        ],
        "uses": ["weekend camping trips", "multi-day treks", "alpine hikes", "festival camping", "backyard campouts"],
        "details": ["a weatherproof stuff sack", "a lifetime repair promise", "a packed weight under a kilo", "a carry bag with compression straps"],
        "roles": ["weekend hiker", "keen camper", "backpacker", "mountain lover"],
        "activities": ["hikes most weekends", "goes wild camping in summer", "spends holidays in the mountains", "plans a long trek every year"],
    },
    "Sports & Fitness": {
        "types": [
            ("yoga mat", ["natural rubber", "cork", "TPE foam"]),
            ("dumbbell set", ["cast iron", "neoprene", "chrome-plated steel"]),
            ("resistance bands", ["natural latex", "woven fabric"]),
            ("running shoes", ["breathable mesh", "recycled polyester", "EVA foam"]),
            ("foam roller", ["EVA foam", "natural rubber"]),
            ("kettlebell", ["cast iron", "vinyl"]),
            ("skipping rope", ["steel cable", "PVC", "aluminium"]),
            ("gym bag", ["recycled polyester", "nylon", "canvas"]),
        ],
        "uses": ["home workouts", "marathon training", "yoga practice", "strength training", "post-run recovery"],
        "details": ["a non-slip grip", "a free workout guide", "a sweat-resistant finish", "a 90-day trial"],
        "roles": ["marathon runner", "gym regular", "yoga enthusiast", "home-workout fan"],
        "activities": ["runs before work", "lifts weights three times a week", "does yoga every morning", "trains for a half marathon"],
    },
    "Home Decor": {
        "types": [
            ("table lamp", ["brass", "ceramic", "linen"]),
            ("wall mirror", ["oak", "brass", "rattan"]),
            ("throw pillow", ["linen", "velvet", "wool"]),
            ("vase", ["ceramic", "glass", "terracotta"]),
            ("wall clock", ["oak", "brass", "aluminium"]),
            ("area rug", ["wool", "jute", "cotton"]),
            ("scented candle", ["soy wax", "glass", "beeswax"]),
            ("picture frame set", ["oak", "brass", "recycled plastic"]),
        ],
        "uses": ["cosy living rooms", "brightening a reading corner", "finishing a hallway", "housewarming gifts", "bedroom makeovers"],
        "details": ["a hand-finished surface", "a gift-ready box", "free returns within 30 days", "a soft, natural texture"],
        "roles": ["interior-design lover", "first-time home owner", "flat decorator", "weekend upcycler"],
        "activities": ["redecorates the living room every spring", "loves styling shelves", "is doing up a new flat", "collects handmade ceramics"],
    },
    "Bedding & Bath": {
        "types": [
            ("duvet cover", ["Egyptian cotton", "linen", "organic cotton"]),
            ("bath towel set", ["Turkish cotton", "bamboo fibre", "organic cotton"]),
            ("pillow", ["memory foam", "goose down", "buckwheat hulls"]),
            ("weighted blanket", ["glass beads", "organic cotton", "minky fabric"]),
            ("mattress topper", ["memory foam", "wool", "latex"]),
            ("bath mat", ["cotton", "diatomite", "teak"]),
            ("shower caddy", ["stainless steel", "bamboo"]),
        ],
        "uses": ["better sleep", "guest rooms", "spa-style bathrooms", "hot sleepers", "lazy Sunday mornings"],
        "details": ["an Oeko-Tex certification", "a breathable weave", "a 30-night trial", "a gift-ready box"],
        "roles": ["light sleeper", "self-care devotee", "tidy-bathroom perfectionist", "hot sleeper"],
        "activities": ["takes sleep seriously", "turns the bathroom into a spa on Sundays", "always has guests to stay", "struggles with warm nights"],
    },
    "Electronics Accessories": {
        "types": [
            ("wireless earbuds", ["recycled plastic", "silicone"]),
            ("fast phone charger", ["gallium nitride", "braided nylon"]),
            ("laptop stand", ["aluminium", "walnut wood", "steel"]),
            ("power bank", ["aluminium", "recycled plastic"]),
            ("Bluetooth speaker", ["fabric mesh", "silicone", "aluminium"]),
            ("USB-C hub", ["aluminium", "braided nylon"]),
            ("mechanical keyboard", ["aluminium", "PBT plastic", "walnut wood"]),
            ("HD webcam", ["aluminium", "ABS plastic"]),
        ],
        "uses": ["working from home", "long commutes", "gaming marathons", "video calls", "travelling light"],
        "details": ["a two-year warranty", "plug-and-play setup", "a protective travel pouch", "a braided USB-C cable"],
        "roles": ["remote worker", "gamer", "tech early adopter", "digital nomad"],
        "activities": ["works from home on a laptop", "games late into the night", "is on video calls all day", "works from cafés while travelling"],
    },
    "Beauty & Personal Care": {
        "types": [
            ("face serum", ["hyaluronic acid", "vitamin C", "niacinamide"]),
            ("moisturiser", ["shea butter", "ceramides", "aloe vera"]),
            ("hair dryer", ["ionic ceramic", "recycled plastic"]),
            ("shaving kit", ["stainless steel", "badger bristle", "beech wood"]),
            ("makeup brush set", ["vegan bristles", "bamboo"]),
            ("electric toothbrush", ["recycled plastic", "silicone"]),
            ("body oil", ["argan oil", "jojoba oil", "rosehip oil"]),
        ],
        "uses": ["sensitive skin", "quick morning routines", "dry winter skin", "evening wind-down rituals", "grooming on the go"],
        "details": ["refillable packaging", "dermatologist testing", "a travel pouch", "cruelty-free certification"],
        "roles": ["skincare enthusiast", "minimal-routine groomer", "person with sensitive skin", "self-care fan"],
        "activities": ["follows a ten-step skincare routine", "has very sensitive skin", "keeps grooming quick and simple", "reads every ingredient list"],
    },
    "Toys & Games": {
        "types": [
            ("building block set", ["ABS plastic", "beech wood"]),
            ("board game", ["recycled cardboard", "wood"]),
            ("jigsaw puzzle", ["recycled cardboard", "wood"]),
            ("plush toy", ["soft plush", "organic cotton"]),
            ("remote-control car", ["ABS plastic", "rubber"]),
            ("wooden train set", ["beech wood", "non-toxic paint"]),
            ("science kit", ["recycled cardboard", "glass", "plastic"]),
        ],
        "uses": ["family game nights", "rainy afternoons", "early learning", "birthday gifts", "STEM learning"],
        "details": ["easy-to-follow instructions", "pieces sized for small hands", "a sturdy storage box", "a recommended age of 6+"],
        "roles": ["parent of two young kids", "board-game fan", "generous godparent", "primary-school teacher"],
        "activities": ["runs a weekly family game night", "buys lots of birthday presents", "keeps the kids busy on rainy days", "loves puzzles"],
    },
    "Pet Supplies": {
        "types": [
            ("dog bed", ["memory foam", "canvas", "faux fur"]),
            ("cat scratching post", ["sisal rope", "cardboard", "pine wood"]),
            ("dog lead", ["nylon webbing", "leather", "biothane"]),
            ("automatic pet feeder", ["stainless steel", "ABS plastic"]),
            ("dog harness", ["nylon webbing", "breathable mesh"]),
            ("pet carrier", ["canvas", "breathable mesh", "polypropylene"]),
            ("chew toy", ["natural rubber", "rope"]),
        ],
        "uses": ["daily walks", "indoor cats", "anxious dogs", "puppy training", "road trips with pets"],
        "details": ["reflective stitching", "a chew-resistant build", "vet-approved sizing", "a satisfaction guarantee"],
        "roles": ["dog owner", "cat lover", "new puppy parent", "rescue-dog owner"],
        "activities": ["walks the dog twice a day", "shares the flat with two cats", "is training a new puppy", "takes the dog on every holiday"],
    },
    "Office & Stationery": {
        "types": [
            ("dotted notebook", ["recycled paper", "linen cover", "leather"]),
            ("fountain pen", ["brass", "resin", "stainless steel"]),
            ("desk organiser", ["walnut wood", "felt", "bamboo"]),
            ("weekly planner", ["recycled paper", "vegan leather"]),
            ("desk chair", ["breathable mesh", "aluminium", "leather"]),
            ("colouring pencil set", ["cedar wood", "recycled paper"]),
            ("document folder", ["leather", "recycled cardboard", "polypropylene"]),
        ],
        "uses": ["journaling", "long study sessions", "organising a home office", "sketching", "daily planning"],
        "details": ["a ten-year guarantee", "a gift-ready box", "plastic-free packaging", "a refillable design"],
        "roles": ["bullet-journal keeper", "student", "illustrator", "small-business owner"],
        "activities": ["journals every evening", "studies late for exams", "sketches on the train", "runs a business from the spare room"],
    },
    "Garden & Patio": {
        "types": [
            ("pruning shears", ["hardened steel", "aluminium"]),
            ("expandable garden hose", ["latex", "brass", "polyester"]),
            ("raised planter", ["cedar wood", "galvanised steel", "recycled plastic"]),
            ("bird feeder", ["copper", "cedar wood", "recycled plastic"]),
            ("solar patio lights", ["glass", "stainless steel", "rattan"]),
            ("watering can", ["galvanised steel", "copper", "recycled plastic"]),
            ("seed starter kit", ["coir", "recycled plastic", "peat-free compost"]),
        ],
        "uses": ["growing vegetables", "balcony gardens", "summer evenings outdoors", "attracting wildlife", "keeping borders tidy"],
        "details": ["rust-proof fittings", "a weather-resistant coating", "a five-year guarantee", "tool-free assembly"],
        "roles": ["allotment gardener", "balcony gardener", "wildlife lover", "patio host"],
        "activities": ["grows tomatoes on the balcony", "spends weekends at the allotment", "feeds the garden birds", "hosts barbecues all summer"],
    },
    "Baby & Nursery": {
        "types": [
            ("baby carrier", ["organic cotton", "breathable mesh"]),
            ("changing bag", ["recycled polyester", "vegan leather", "canvas"]),
            ("muslin swaddle set", ["muslin", "bamboo fibre", "organic cotton"]),
            ("baby monitor", ["ABS plastic", "silicone"]),
            ("high chair", ["beech wood", "polypropylene"]),
            ("teething toy", ["food-grade silicone", "natural rubber", "beech wood"]),
        ],
        "uses": ["the newborn weeks", "travelling with a baby", "naps on the go", "starting solids", "a calm nursery"],
        "details": ["BPA-free materials", "a wipe-clean surface", "safety certification", "a gift-ready box"],
        "roles": ["new parent", "parent-to-be", "grandparent", "parent of a toddler"],
        "activities": ["has a newborn at home", "is expecting a first baby", "looks after the grandchildren", "is weaning a baby"],
    },
    "Clothing": {
        "types": [
            ("rain jacket", ["waterproof nylon", "recycled polyester"]),
            ("merino base layer", ["merino wool"]),
            ("denim jacket", ["organic denim", "cotton"]),
            ("wool jumper", ["lambswool", "cashmere", "merino wool"]),
            ("leather boots", ["full-grain leather", "suede", "rubber"]),
            ("linen shirt", ["linen", "organic cotton"]),
            ("fleece hoodie", ["recycled fleece", "organic cotton"]),
            ("trail shorts", ["stretch nylon", "recycled polyester"]),
        ],
        "uses": ["rainy commutes", "layering in winter", "weekend wear", "travel days", "the office"],
        "details": ["a relaxed fit", "reinforced stitching", "free alterations", "a lifetime repair service"],
        "roles": ["commuter", "capsule-wardrobe fan", "outdoor dresser", "style-conscious professional"],
        "activities": ["cycles to work in all weathers", "keeps a small capsule wardrobe", "dresses smartly for the office", "lives in jeans and jumpers"],
    },
    "Tools & DIY": {
        "types": [
            ("cordless drill", ["aluminium", "glass-filled nylon"]),
            ("tool set", ["chrome vanadium", "hardened steel"]),
            ("tape measure", ["stainless steel", "rubber"]),
            ("folding workbench", ["aluminium", "beech wood", "steel"]),
            ("stud finder", ["ABS plastic"]),
            ("socket set", ["chrome vanadium", "hardened steel"]),
            ("paint roller kit", ["microfibre", "polypropylene"]),
        ],
        "uses": ["home repairs", "furniture assembly", "weekend DIY projects", "professional jobs", "renovating an old house"],
        "details": ["a hard carry case", "a lifetime guarantee", "a comfortable rubber grip", "a two-year warranty"],
        "roles": ["DIY enthusiast", "first-time renovator", "handy tradesperson", "furniture restorer"],
        "activities": ["is renovating an old house", "fixes everything at home", "builds furniture in the garage", "flat-packs furniture for friends"],
    },
    "Travel & Luggage": {
        "types": [
            ("carry-on suitcase", ["polycarbonate", "aluminium", "ballistic nylon"]),
            ("packing cubes", ["recycled polyester", "ripstop nylon"]),
            ("travel pillow", ["memory foam", "microfibre"]),
            ("passport wallet", ["leather", "vegan leather", "canvas"]),
            ("weekender duffel", ["waxed canvas", "leather", "recycled polyester"]),
            ("toiletry bag", ["waterproof nylon", "leather"]),
            ("digital luggage scale", ["stainless steel", "ABS plastic"]),
        ],
        "uses": ["business trips", "backpacking", "weekend getaways", "long-haul flights", "family holidays"],
        "details": ["a ten-year warranty", "an expandable zip", "water-resistant zips", "a lifetime repair service"],
        "roles": ["frequent flyer", "backpacker", "city-break lover", "business traveller"],
        "activities": ["flies for work every month", "takes a city break most months", "backpacks every summer", "packs hand luggage only"],
    },
}

# style -> (adjectives for copy, persona phrases)
STYLES: dict[str, tuple[list[str], list[str]]] = {
    "rugged": (["rugged", "heavy-duty", "sturdy", "tough", "built-to-last"],
        ["likes sturdy, practical gear", "wants things that survive rough handling", "buys tough kit that lasts for years"]),
    "minimalist": (["minimalist", "clean-lined", "understated", "sleek", "simple"],
        ["prefers clean, minimalist design", "dislikes clutter and loud colours", "likes simple, understated things"]),
    "classic": (["classic", "timeless", "traditional", "heritage-style"],
        ["appreciates timeless, classic pieces", "prefers traditional designs over fads", "likes heritage brands"]),
    "playful": (["colourful", "playful", "bright", "cheerful", "whimsical"],
        ["loves bright, cheerful colours", "picks fun, playful designs", "likes things with a sense of humour"]),
    "elegant": (["elegant", "refined", "polished", "sophisticated"],
        ["has an eye for elegant, refined details", "likes polished, sophisticated things", "wants everything to look elegant"]),
    "eco": (["eco-friendly", "sustainable", "low-waste", "planet-friendly", "responsibly made"],
        ["shops sustainably and avoids single-use plastic", "cares about eco-friendly materials", "looks for responsibly made products"]),
    "vintage": (["vintage-inspired", "retro", "old-school", "nostalgic"],
        ["collects retro, vintage-looking things", "loves anything with an old-school feel", "is drawn to vintage style"]),
    "high-tech": (["smart", "high-tech", "innovative", "cutting-edge", "tech-forward"],
        ["is an early adopter who loves smart gadgets", "wants the latest tech features", "likes clever, high-tech designs"]),
    "compact": (["compact", "lightweight", "space-saving", "foldable", "portable"],
        ["lives in a small flat and needs space-saving things", "travels light and likes compact gear", "values lightweight, portable designs"]),
}

# price band -> (copy sentences, persona phrases)
PRICES: dict[str, tuple[list[str], list[str]]] = {
    "budget": (["Great value for money.", "An affordable pick that does the job.", "Priced for everyday budgets.", "A wallet-friendly option."],
        ["on a tight budget", "always hunting for bargains", "careful with money"]),
    "mid-range": (["Solid quality at a fair price.", "Good quality without the premium price tag.", "A sensible mid-range choice."],
        ["looking for good value", "happy with mid-range quality", "after a fair price"]),
    "premium": (["A premium build that's worth the investment.", "Premium quality you can feel.", "Made to a high standard and priced to match."],
        ["happy to pay more for quality", "willing to invest in premium kit", "prefers to buy once and buy well"]),
    "luxury": (["A luxury piece, finished by hand.", "Top-of-the-range craftsmanship.", "An indulgent, luxury-grade buy."],
        ["treats themselves to luxury brands", "after the very best, whatever the price", "with expensive taste"]),
}
COLOURS = ["Slate Grey", "Forest Green", "Sand", "Charcoal", "Navy", "Terracotta", "Sage", "Oat", "Black", "Ivory", "Ochre", "Storm Blue", "Rust", "Stone", "Olive"]
VARIANTS = ["Large", "Small", "Set of 2", "XL", "Twin Pack", "Pro", "Mini", "2nd Gen", "Plus", "Lite"]
LINES = ["Trail", "Everyday", "Pro", "Classic", "Studio", "Atlas", "Nomad", "Haven", "Summit", "Loft", "Harbour", "Fjord", "Ember", "Drift"]
BRAND_HEADS = ["North", "Ever", "Oak", "Stone", "Bright", "Wild", "Silver", "Blue", "Iron", "Maple", "Fox", "Cedar", "Pine", "True", "Lumen", "Tide", "Sol", "Birch", "Urban", "Moss", "Kind", "Nova", "Otter", "Alder"]
BRAND_TAILS = ["peak", "leaf", "field", "craft", "wood", "line", "works", "haven", "nest", "forge", "stead", "ridge", "form", "well", "brook", "co", "loom", "vale"]

# styles that read oddly for a category (an item's style is drawn from the others)
STYLE_EXCLUDE: dict[str, list[str]] = {
    "Outdoor & Camping": ["elegant"],
    "Sports & Fitness": ["elegant", "vintage"],
    "Home Decor": ["rugged", "high-tech"],
    "Bedding & Bath": ["rugged", "high-tech"],
    "Beauty & Personal Care": ["rugged"],
    "Toys & Games": ["elegant"],
    "Pet Supplies": ["elegant"],
    "Office & Stationery": ["rugged"],
    "Garden & Patio": ["elegant"],
    "Baby & Nursery": ["rugged", "vintage"],
    "Clothing": ["high-tech"],
    "Tools & DIY": ["elegant", "playful", "vintage"],
}
# fmt: on

MATERIAL_ORDER = sorted({m for c in CATEGORIES.values() for _, ms in c["types"] for m in ms})
USE_ORDER = [u for c in CATEGORIES.values() for u in c["uses"]]
SMALL_WORDS = {"and", "of", "for", "in", "with", "the", "a"}


def _pick(rng: np.random.Generator, options: list) -> object:
    return options[int(rng.integers(len(options)))]


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def make_brands(rng: np.random.Generator, num_brands: int) -> list[dict]:
    """Fictional brands, each with a home style, a price band and 2–3 categories."""
    names = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]
    chosen = rng.choice(len(names), size=num_brands, replace=False)
    cats, styles, prices = list(CATEGORIES), list(STYLES), list(PRICES)
    brands = []
    for k, idx in enumerate(chosen):
        own = {cats[k % len(cats)]} | {_pick(rng, cats) for _ in range(int(rng.integers(1, 3)))}
        brands.append(
            {
                "name": _cap(names[idx]),
                "style": _pick(rng, styles),
                "price": prices[min(int(rng.poisson(1.2)), 3)],
                "categories": own,
            }
        )
    return brands


def _title_case(text: str) -> str:
    words = []
    for k, word in enumerate(text.split()):
        if k and word in SMALL_WORDS:
            words.append(word)
        elif any(ch.isupper() for ch in word):
            words.append(word)  # USB-C, HD, Bluetooth
        else:
            words.append("-".join(_cap(part) for part in word.split("-")))
    return " ".join(words)


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def title(rng: np.random.Generator, brand: str, kind: str, style_adj: str, material: str) -> str:
    """A product title such as "Northpeak Trail Trekking Poles – Slate Grey"."""
    kind_t = _title_case(kind)
    material = "" if material.split()[0] in kind else material  # no "Cast Iron Cast-Iron Skillet"
    form = int(rng.integers(5))
    if form == 0:
        text = f"{brand} {_title_case(style_adj)} {kind_t}"
    elif form == 1 and material:
        text = f"{brand} {_title_case(material)} {kind_t}"
    elif form == 3 and material:
        text = f"{brand} {kind_t}, {_title_case(material)}"
    elif form == 4 and material:
        text = f"{brand} {_pick(rng, LINES)} {_title_case(material)} {kind_t}"
    else:
        text = f"{brand} {_pick(rng, LINES)} {kind_t}"
    if rng.random() < 0.6:
        text += f" – {_pick(rng, COLOURS + VARIANTS)}"
    return text


def description(
    rng: np.random.Generator,
    brand: str,
    kind: str,
    style: str,
    price: str,
    materials: list[str],
    uses: list[str],
    detail: str,
) -> str:
    """1–3 sentences of catalogue copy naming the materials, uses, style and price."""
    adj = _pick(rng, STYLES[style][0])
    mats = _and(materials)
    if kind.endswith("s"):  # plural product names: "trekking poles", "running shoes"
        opening = _pick(rng, [
            f"{_cap(adj)} {kind} made from {mats}.",
            f"These {adj} {kind} are crafted from {mats}.",
            f"{_possessive(brand)} {kind} pair {mats} with {_article(adj)} look.",
            f"Made of {mats}, these {kind} have {_article(adj)} design.",
            f"Meet {adj} {kind} in {mats}.",
        ])  # fmt: skip
    else:
        opening = _pick(rng, [
            f"{_cap(_article(adj))} {kind} made from {mats}.",
            f"This {adj} {kind} is crafted from {mats}.",
            f"{_possessive(brand)} {kind} pairs {mats} with {_article(adj)} look.",
            f"Made of {mats}, this {kind} has {_article(adj)} design.",
            f"The {brand} {kind} brings {_article(adj)} feel in {mats}.",
            f"Meet {_article(adj)} {kind} in {mats}.",
        ])  # fmt: skip
    use_txt = _and(uses)
    use = _pick(
        rng,
        [
            f"Ideal for {use_txt}.",
            f"Made for {use_txt}.",
            f"A dependable choice for {use_txt}.",
            f"Designed with {use_txt} in mind.",
            f"Perfect for {use_txt}.",
            f"Great for {use_txt}.",
        ],
    )
    extra = _pick(
        rng,
        [
            f"{_pick(rng, PRICES[price][0])[:-1]}, with {detail}.",
            f"Comes with {detail}.",
            f"Features {detail}. {_pick(rng, PRICES[price][0])}",
            _pick(rng, PRICES[price][0]),
        ],
    )
    sentences = [opening]
    if rng.random() < 0.85:
        sentences.insert(int(rng.integers(2)) if rng.random() < 0.3 else 1, use)
    if rng.random() < 0.65:
        sentences.append(extra)
    return " ".join(sentences)


def persona(
    rng: np.random.Generator, cats: list[str], style: str, price: str | None, use: str | None
) -> str:
    """A short persona: a role from the top category, an activity from the second, tastes."""
    role = _cap(_pick(rng, CATEGORIES[cats[0]]["roles"]))
    taste = _pick(rng, STYLES[style][1])
    act = _pick(rng, CATEGORIES[cats[1]]["activities"]) if len(cats) > 1 else None
    money = _pick(rng, PRICES[price][1]) if price is not None else None
    form = int(rng.integers(3))
    if form == 0 and act:
        text = f"{role} who {act} and {taste}"
    elif form == 1:
        text = f"{role}; {taste}" + (f", and also {act}" if act else "")
    elif act:
        text = f"{role} who {act}. {_cap(taste)}"
    else:
        text = f"{role} who {taste}"
    if use is not None and rng.random() < 0.5:
        text += f". Often shopping for {use}"
    if money is not None:
        text += f", {money}" if rng.random() < 0.5 else f". {_cap(money)}"
    return text + "."
