"""Social-feed vocabulary and post writing for the bundled simulator (see `bundled.py`).

Each subtopic lists first-person `posts` (clauses that rarely name the subtopic itself, so a
text model has to read them), `things` for templates, hashtag `tags` and persona `interest`
phrases. Posts are written from a post's hidden topic, subtopic and format; personas and
handles from a user's strongest hidden preferences over the same facets. Places and names are
fictional.
"""

from __future__ import annotations

import numpy as np

from ._vocab_ecommerce import _cap, _pick

S = dict  # a subtopic's phrase lists, kept short to read

TOPICS: dict[str, dict[str, dict[str, list[str]]]] = {
    "cooking": {
        "sourdough baking": S(
            posts=["my rye starter finally doubled overnight", "I pulled a loaf with a proper ear out of the dutch oven", "the crumb on today's bake came out open and glossy", "I fed the levain at midnight so it peaked by breakfast", "my first seeded country loaf actually held its shape", "I tried a 48-hour cold proof and the crust blistered beautifully", "the neighbours got the spare boule while it was still warm", "I finally nailed the stretch-and-fold routine"],
            things=["a crusty boule", "the starter", "long cold proofs", "a banneton", "scoring patterns", "high-hydration dough"],
            tags=["sourdough", "breadtok", "realbread", "homebaking", "wildyeast"],
            interest=["home bread baking", "wild-yeast loaves"]),
        "weeknight dinners": S(
            posts=["I threw together a one-pan chicken traybake in twenty minutes", "the kids actually ate the hidden-veg pasta sauce", "I made a ten-minute peanut noodle stir-fry after work", "leftover rice became the best egg-fried rice I've ever made", "I doubled the chilli recipe so Thursday is already sorted", "my slow cooker had the lentil curry ready when I got home", "I finally got crispy-skinned salmon right on a Tuesday", "a fridge-clearing frittata saved tonight"],
            things=["a one-pan traybake", "quick pasta sauces", "a stocked freezer", "the slow cooker", "fifteen-minute stir-fries", "batch-cooked sauces"],
            tags=["weeknightdinner", "easyrecipes", "dinnerideas", "quickmeals", "homecooking"],
            interest=["quick everyday cooking", "easy family dinners"]),
        "cake decorating": S(
            posts=["I piped my first buttercream roses and only three collapsed", "the drip on this chocolate layer cake finally behaved", "I covered a three-tier sponge in fondant without a single tear", "my niece asked for a unicorn and I delivered, sugar horn and all", "I spent four hours on sugar flowers for a birthday bake", "the mirror glaze came out so shiny you can see the ceiling in it", "I levelled and stacked six sponges without a wobble", "the cupcakes with piped succulents sold out at the school fair"],
            things=["a piped buttercream border", "fondant", "a turntable and palette knife", "sugar flowers", "a mirror glaze", "tiered sponges"],
            tags=["cakedecorating", "buttercream", "cakeart", "bakersofinstagram", "cakesofinstagram"],
            interest=["decorating celebration cakes", "buttercream and sugar art"]),
    },
    "fitness": {
        "running": S(
            posts=["I knocked two minutes off my 10k this morning", "the hill repeats nearly broke me but I finished every one", "I signed up for my first half marathon in Oakridge", "my new trainers survived a very muddy trail loop", "I ran the riverside parkrun with a negative split", "I ran twenty miles and the marathon block feels real now", "I finally jogged a whole lap of the park without walking", "the 6am tempo session beat the heat"],
            things=["long Sunday runs", "carbon-plated shoes", "interval sessions", "the local parkrun", "race-day fuelling", "recovery days"],
            tags=["running", "runnersofinstagram", "parkrun", "marathontraining", "runtok"],
            interest=["distance running and races", "getting faster at 5k"]),
        "weightlifting": S(
            posts=["I hit a 100 kg squat for the first time", "my deadlift went up another 5 kg this week", "I finally got my first strict pull-up", "the bench press plateau is finally over", "I switched to a four-day upper/lower split", "my coach fixed my squat depth with one cue", "I pulled 140 off the floor and the whole gym cheered", "I tracked my protein for a month and the numbers on the bar moved"],
            things=["progressive overload", "a lifting belt", "the squat rack", "deload weeks", "a push-pull-legs split", "protein shakes"],
            tags=["gymtok", "powerlifting", "liftheavy", "strengthtraining", "gains"],
            interest=["strength training and lifting", "powerlifting numbers"]),
        "yoga": S(
            posts=["I held crow pose for five whole breaths today", "the sunrise flow on the beach was pure calm", "I finally touched my toes after months of stretching", "a 20-minute hip-opener class undid a week of desk sitting", "I made it through ninety minutes of hot vinyasa", "my first headstand against the wall happened tonight", "I rolled out the mat in the garden and just breathed for a while", "the teacher's savasana playlist nearly sent me to sleep"],
            things=["a cork mat", "morning sun salutations", "hip openers", "breathwork", "inversions", "yin classes"],
            tags=["yoga", "yogaeveryday", "yogapractice", "vinyasa", "mindfulmovement"],
            interest=["yoga and mindful movement", "stretching and breathwork"]),
    },
    "travel": {
        "camping": S(
            posts=["we pitched the tent by the lake just before the rain came", "I cooked pancakes on a tiny gas stove at dawn", "the stars over Pinecrest Forest were unreal", "my new sleeping bag kept me warm at minus two", "we found a wild spot with nobody around for miles", "the campfire chilli tasted better than any restaurant meal", "I woke up to mist rolling over the valley", "a fox visited our pitch at midnight"],
            things=["a two-person tent", "a camping stove", "a down sleeping bag", "wild camping spots", "campfire cooking", "a good head torch"],
            tags=["camping", "campinglife", "outdoors", "wildcamping", "tentlife"],
            interest=["camping and the outdoors", "nights under canvas"]),
        "road trips": S(
            posts=["we drove the coast road from Westhaven to Fairport with the windows down", "I made a six-hour playlist and we only got through half", "the van broke down but a farmer towed us to the next village", "we stopped at every roadside pie shop on the way north", "I finally did the mountain pass drive I've wanted to do for years", "we crossed three borders in four days in one very tired car", "we slept in the back of the estate car at a scenic lay-by", "the sunset at the last fuel stop was the highlight of the drive"],
            things=["a long drive", "car snacks", "a campervan", "scenic routes", "motorway service stations", "a good driving playlist"],
            tags=["roadtrip", "vanlife", "openroad", "drivingadventures", "roadtripping"],
            interest=["road trips and scenic drives", "van life"]),
        "city breaks": S(
            posts=["I walked twenty thousand steps around the old town of Kingsbridge", "we found a tiny rooftop bar with a view of the whole harbour", "the museum quarter took a whole day and we still missed half", "I booked a 48-hour getaway and packed only a backpack", "the night tram tour was the best tenner I've spent", "we got lost in the market lanes and found the best dumplings", "I queued at dawn for the cathedral and had it to myself", "we did four galleries and far too many pastries in three days"],
            things=["a weekend getaway", "walking tours", "boutique hotels", "a city museum pass", "hidden cafés", "cheap train tickets"],
            tags=["citybreak", "weekendaway", "travelgram", "wanderlust", "citywalks"],
            interest=["weekend city breaks", "exploring new cities"]),
    },
    "photography": {
        "film photography": S(
            posts=["my first roll of black-and-white came back from the lab today", "I loaded a roll of expired colour stock just to see what happens", "the grain on these 35mm negatives is gorgeous", "I developed a roll in my bathroom sink for the first time", "my grandad's old rangefinder still shoots perfectly", "I got 36 frames out of a 36-exposure roll, no blanks", "the light leaks on this batch ended up being my favourite part", "I scanned a whole box of medium-format negatives this weekend"],
            things=["a 35mm camera", "expired film stock", "home developing", "a handheld light meter", "medium-format negatives", "a film scanner"],
            tags=["filmphotography", "shootfilm", "35mm", "filmisnotdead", "analogphotography"],
            interest=["shooting on film", "analogue cameras"]),
        "wildlife photography": S(
            posts=["I waited three hours in the hide for that kingfisher shot", "a heron landed right in front of my long lens", "I caught a pair of hares boxing at sunrise", "the deer on the Ashcombe estate walked straight into frame", "I finally got a sharp shot of a wren mid-song", "a puffin posed on the cliff edge for a full minute", "my trail camera picked up a badger family at night", "I crawled through wet grass for a dragonfly close-up"],
            things=["a long telephoto lens", "a bird hide", "dawn light", "a trail camera", "fast shutter speeds", "a sturdy tripod"],
            tags=["wildlifephotography", "birdphotography", "naturelovers", "wildlife", "birding"],
            interest=["photographing birds and wildlife", "nature photography"]),
        "street photography": S(
            posts=["I spent the afternoon shooting strangers' shadows in the city centre", "a man with a red umbrella crossed my frame at exactly the right moment", "I shot a whole roll of commuters at the station at rush hour", "the reflections in the shop windows made this one", "I tried zone focusing and finally stopped missing moments", "the market stall owner laughed when he spotted my camera", "the light between the tower blocks at 5pm was perfect", "I walked my usual route with only a 28mm lens"],
            things=["a small prime lens", "candid moments", "zone focusing", "golden-hour shadows", "black-and-white edits", "busy crossings"],
            tags=["streetphotography", "streetphoto", "candid", "urbanphotography", "streetlife"],
            interest=["candid street photography", "photographing city life"]),
    },
    "gaming": {
        "retro gaming": S(
            posts=["I found a boxed cartridge console at a car boot sale for a tenner", "I beat the final boss of a 16-bit platformer with no continues", "the CRT telly in the spare room is finally hooked up", "I replaced the battery in an old cartridge and my save survived", "my kids are hooked on the pixel-art racer I played at their age", "I restored a yellowed handheld to its original grey", "we had a couch co-op night with four wired controllers", "I tracked down the last game missing from my shelf"],
            things=["a CRT television", "old cartridges", "a modded handheld", "pixel-art platformers", "couch co-op", "a boxed collection"],
            tags=["retrogaming", "retrogames", "8bit", "gamecollecting", "pixelart"],
            interest=["retro consoles and old games", "collecting classic games"]),
        "board games": S(
            posts=["our six-hour strategy game ended in a three-way tie", "I painted all the miniatures for our new dungeon crawler", "the co-op deduction game had the whole table shouting", "I taught my grandparents a deck-building game and they won", "we finished the legacy campaign and opened the last sealed box", "game night ran until 2am again", "my shelf of boxes is officially out of space", "I finally won a worker-placement game against my brother"],
            things=["a worker-placement game", "game night", "painted miniatures", "a legacy campaign", "card sleeves", "quick party games"],
            tags=["boardgames", "tabletop", "boardgamenight", "meeple", "tabletopgames"],
            interest=["tabletop and board games", "hosting game nights"]),
        "open-world RPGs": S(
            posts=["I sank forty hours into side quests and haven't touched the main story", "my character finally reached the snowy northern kingdom", "I tamed a dragon mount after three failed attempts", "the crafting system ate my whole Saturday", "I found a secret village the map never marked", "I rerolled my build as a stealth archer and it's so much better", "the final boss of the expansion took me twelve tries", "I spent an hour just riding around watching the in-game sunset"],
            things=["side quests", "a stealth-archer build", "huge fantasy maps", "the crafting system", "story expansions", "character creators"],
            tags=["rpg", "openworld", "gamingcommunity", "gamer", "questlog"],
            interest=["big open-world role-playing games", "fantasy video-game quests"]),
    },
    "gardening": {
        "houseplants": S(
            posts=["my monstera pushed out a new split leaf this week", "I repotted the fiddle-leaf fig without it dropping a single leaf", "the propagation station on the windowsill is finally rooting", "I rescued a half-dead pothos from the office bin", "my calathea stopped crisping once I got a humidifier", "the snake plant flowered, which apparently is rare", "I counted and there are now 43 pots in my flat", "the fungus gnats are finally gone thanks to the sand trick"],
            things=["a monstera", "chunky aroid mix", "a grow light", "propagation jars", "humidity trays", "a trailing pothos"],
            tags=["houseplants", "plantsofinstagram", "urbanjungle", "plantparent", "planttok"],
            interest=["indoor plants and plant care", "a flat full of greenery"]),
        "vegetable growing": S(
            posts=["I picked the first ripe tomatoes of the season at the allotment", "I harvested a whole bucket of potatoes from two grow bags", "the slugs ate every lettuce seedling overnight", "my courgettes are producing faster than we can eat them", "I built two raised beds from old scaffold boards", "the runner beans have reached the top of the canes", "I planted garlic cloves for next summer today", "we ate a salad grown entirely in our back garden"],
            things=["raised beds", "seed potatoes", "a greenhouse", "homemade compost", "courgette gluts", "crop rotation"],
            tags=["growyourown", "allotment", "vegpatch", "gardening", "homegrown"],
            interest=["growing your own vegetables", "allotment life"]),
        "flower borders": S(
            posts=["the dahlias along the fence are finally in full bloom", "I planted two hundred tulip bulbs in the front bed", "the bees have completely taken over the lavender", "I deadheaded the roses and they're flowering again already", "my cottage-style bed survived the heatwave", "I split the overgrown hostas and filled three new gaps", "the foxgloves self-seeded everywhere and I love it", "the late-summer asters are buzzing with butterflies"],
            things=["a cottage-garden border", "spring bulbs", "dahlia tubers", "pollinator-friendly plants", "a rose arch", "perennial cuttings"],
            tags=["flowergarden", "cottagegarden", "dahlias", "gardenlife", "bloomsday"],
            interest=["flowers and cottage gardens", "planting for pollinators"]),
    },
    "books": {
        "fantasy novels": S(
            posts=["I stayed up until 3am finishing the last book of the dragon trilogy", "the magic system in this series is the best I've read", "I finally started the thousand-page epic everyone recommends", "the map at the front of this book is already covered in sticky notes", "that betrayal in chapter forty had me throwing the book across the room", "I reread the whole elf-queen saga before the final volume drops", "my book club chose a sword-and-sorcery paperback and I'm hooked", "I cried at the ending of a book about a talking sword"],
            things=["epic fantasy series", "hand-drawn maps", "magic systems", "a dragon trilogy", "special-edition hardbacks", "found-family stories"],
            tags=["fantasybooks", "booktok", "bookstagram", "epicfantasy", "fantasyreads"],
            interest=["epic fantasy and magic books", "long fantasy series"]),
        "crime thrillers": S(
            posts=["I guessed the killer on page 50 and I was completely wrong", "this detective novel set in a foggy fishing town kept me up all night", "the twist at the end of the courtroom drama floored me", "I've read four Inspector Hale mysteries in one week", "the unreliable narrator in this one is seriously creepy", "I finished a locked-room mystery on the train and missed my stop", "I started a cold-case series and can't put it down", "the audiobook narrator made the heist scenes so tense"],
            things=["a page-turning mystery", "plot twists", "detective series", "locked-room puzzles", "unreliable narrators", "a cosy whodunnit"],
            tags=["crimefiction", "thrillerbooks", "mysterybooks", "whodunnit", "crimereads"],
            interest=["crime novels and mysteries", "whodunnits and thrillers"]),
        "poetry": S(
            posts=["I copied a favourite stanza into my notebook this morning", "the open-mic night at the library had me in tears", "I wrote my first sonnet and it only took three weeks", "this slim collection about the sea is the best thing I've read all year", "I read a haiku a day for a month and it changed how I walk to work", "my poem got accepted by a small Millford zine", "I memorised a whole ballad for my dad's birthday", "I read verse aloud to my plants, don't judge"],
            things=["a slim collection", "open-mic nights", "a pocket notebook", "spoken word", "sonnets", "haiku"],
            tags=["poetry", "poetrycommunity", "poemsoftheday", "spokenword", "writersofinstagram"],
            interest=["reading and writing poetry", "spoken word"]),
    },
    "pets": {
        "dogs": S(
            posts=["the puppy finally learned to sit for a treat", "we did a three-hour hike and the spaniel still wants more", "my rescue greyhound did her first zoomies in the garden", "I caught him stealing socks from the laundry again", "the lab jumped in every single puddle on our walk", "we passed our first obedience class with a certificate", "my old terrier turned fourteen today", "the new harness stopped the pulling completely"],
            things=["a long lead", "puppy training classes", "chew toys", "off-lead walks", "a rescue greyhound", "dog-friendly pubs"],
            tags=["dogsofinstagram", "dogstagram", "puppylove", "dogwalk", "rescuedog"],
            interest=["dogs and dog training", "long walks with a dog"]),
        "cats": S(
            posts=["she has claimed the new laundry basket as her bed", "my tabby brought a leaf home and dropped it at my feet like a trophy", "she ignored the expensive toy and played with the box", "the kitten climbed the curtains for the fourth time today", "my old moggy sat on my keyboard through an entire meeting", "he finally let the rescue kitten share the sunny windowsill", "I woke up to two furballs sitting on my chest demanding breakfast", "the new scratching post saved the sofa"],
            things=["a scratching post", "a cat tree", "a sunny windowsill", "feather wand toys", "a rescue kitten", "cardboard boxes"],
            tags=["catsofinstagram", "catstagram", "meow", "catlife", "kitten"],
            interest=["cats and cat behaviour", "kittens and rescue cats"]),
        "aquariums": S(
            posts=["the planted tank is finally cycled after six weeks", "I added a school of neon tetras and they look stunning", "my shrimp colony just had its first babies", "I aquascaped a new tank with driftwood and river stones", "the betta built a bubble nest overnight", "the algae problem vanished once I cut the lighting hours", "I spent Saturday doing a big water change and trimming plants", "the corydoras are finally spawning"],
            things=["a planted tank", "driftwood hardscapes", "neon tetras", "a canister filter", "water tests", "shrimp colonies"],
            tags=["aquarium", "fishtank", "aquascape", "plantedtank", "fishkeeping"],
            interest=["fish tanks and aquascaping", "keeping tropical fish"]),
    },
    "parenting": {
        "newborns": S(
            posts=["the baby slept four hours straight for the first time", "I mastered the one-handed nappy change at 3am", "we survived the first week home from the hospital", "she smiled at me this morning and I melted", "I finally worked out a swaddle that actually holds", "the health visitor said he's growing perfectly", "my partner and I took turns napping in the car at the supermarket", "we did the first bath at home and there was lots of screaming, mostly mine"],
            things=["night feeds", "a baby carrier", "swaddles", "sleep regressions", "a pram", "tummy time"],
            tags=["newborn", "newmum", "newdad", "babyfirsts", "parenthood"],
            interest=["life with a new baby", "infant sleep and feeding"]),
        "toddlers": S(
            posts=["my two-year-old had a meltdown because I cut the toast wrong", "we finally ditched nappies and only had one accident", "she said her first full sentence and it was about the bin lorry", "he ate broccoli without a fight, mark the calendar", "I survived a soft-play birthday party with six little ones", "the nursery settling-in week went better than expected", "our little one learned to climb out of the cot last night", "bedtime took ninety minutes and three stories tonight"],
            things=["potty training", "picky eating", "soft play", "a bedtime routine", "nursery drop-offs", "supermarket tantrums"],
            tags=["toddlerlife", "toddlermom", "parentinghacks", "mumlife", "dadlife"],
            interest=["raising toddlers", "toddler tantrums and routines"]),
        "teenagers": S(
            posts=["my fifteen-year-old spoke more than three words at dinner", "I drove the whole football team home and learned all the gossip", "we argued about phone time and somehow I lost", "my daughter passed her driving theory test first time", "I found out what 'rizz' means, please send help", "my son cooked the family dinner without being asked", "parents' evening went better than the mood at home suggested", "we finally agreed a curfew everyone can live with"],
            things=["screen-time rules", "exam season", "a weekend curfew", "first part-time jobs", "learner driving lessons", "teen slang"],
            tags=["parentingteens", "teenagers", "raisingteens", "parentlife", "familylife"],
            interest=["parenting teenagers", "surviving the teenage years"]),
    },
    "diy & crafts": {
        "knitting": S(
            posts=["I cast off my first jumper and it actually fits", "the sock heel finally made sense on the third attempt", "I frogged half a cardigan after spotting a dropped stitch", "my stash of merino wool is now taking over the wardrobe", "I finished a striped scarf for my dad on the bus", "the colourwork yoke on this sweater took a month", "I learned to cable without a needle tonight", "my stitch-and-natter group made twenty hats for the shelter"],
            things=["chunky merino yarn", "circular needles", "a cable pattern", "colourwork yokes", "a yarn stash", "hand-knitted socks"],
            tags=["knitting", "knitstagram", "knittersofinstagram", "yarnlove", "handmade"],
            interest=["knitting and yarn crafts", "making hand-knitted jumpers"]),
        "woodworking": S(
            posts=["I built a walnut side table with no screws at all", "the dovetails on this drawer came out almost gap-free", "I turned my first bowl on the lathe this weekend", "my garage workbench is finally finished", "I rescued oak boards from a skip and made a bookshelf", "the hand plane finally takes whisper-thin shavings", "I carved a spoon from a green cherry branch", "the oil finish on the chopping board came out like glass"],
            things=["a hand plane", "dovetail joints", "a sturdy workbench", "hardwood offcuts", "a wood lathe", "oil finishes"],
            tags=["woodworking", "woodwork", "maker", "handtools", "woodshop"],
            interest=["woodworking and joinery", "building furniture by hand"]),
        "pottery": S(
            posts=["I threw my first mug on the wheel without it collapsing", "the kiln opening today had two cracked bowls and one perfect vase", "my speckled glaze came out exactly like the test tile", "I centred a lump of clay in under a minute for once", "the handbuilt planter survived the bisque firing", "my evening class finally let us trim our own pieces", "I made a set of wonky plates and I love them", "the celadon glaze pooled beautifully in the bottom of this bowl"],
            things=["the wheel", "a kiln firing", "speckled glazes", "handbuilt planters", "stoneware clay", "trimming tools"],
            tags=["pottery", "ceramics", "wheelthrown", "handmadeceramics", "clay"],
            interest=["pottery and ceramics", "throwing on the wheel"]),
    },
}  # fmt: skip

# format -> persona phrases
FORMATS: dict[str, list[str]] = {
    "photo": ["scrolls for the pictures", "double-taps every good photo", "stops for posts with a great picture"],
    "question": ["loves answering other people's questions", "jumps into the comments to help", "likes asking the community for advice"],
    "tip": ["saves practical tips", "likes quick how-to tips and hacks", "bookmarks every good PSA"],
    "story": ["enjoys personal stories", "reads the long captions", "likes hearing how things went for others"],
    "link": ["clicks through to articles and guides", "likes posts that share a good read", "always follows the link in bio"],
    "poll": ["always votes in polls", "loves a this-or-that poll", "can't resist a poll"],
}  # fmt: skip

ROLES = ["Weekend hobbyist", "Night-shift nurse", "Stay-at-home parent", "University student", "Retired teacher", "Office worker", "Freelance designer", "Shop manager", "Primary-school teacher", "Software developer", "Self-employed plumber", "Bus driver"]  # fmt: skip
PLACES = ["Riverton", "Eastbrook", "Lakeside", "Port Ellis", "Northgate", "Millford", "Ashcombe", "Kingsbridge", "Westhaven", "Oakridge", "Bramley", "Fairport"]  # fmt: skip
WHEN = ["this morning", "last night", "today", "this weekend", "yesterday", "on Sunday", "after work", "on my day off"]  # fmt: skip
CLOSERS = ["Honestly so proud.", "Still buzzing.", "Worth every minute.", "Small wins!", "Zero regrets.", "Lesson learned.", "Made my week.", "More of this, please.", "Can't stop grinning.", "Would do it all again.", "Had to share.", "What a week."]  # fmt: skip
RELATIVES = ["partner", "neighbour", "sister", "flatmate", "best friend", "mum", "dad", "brother", "kid"]  # fmt: skip
REACTIONS = ["couldn't stop laughing", "still doesn't believe me", "wants to try it too", "just rolled their eyes", "asked for a repeat", "took a hundred photos", "called it a miracle", "has heard about nothing else all week"]  # fmt: skip
QUESTIONS = ["Any tips on {}?", "How do you all handle {}?", "What's your best advice for {}?", "Where do I even start with {}?", "What am I missing with {}?", "Thoughts on {}, anyone?", "Is {} worth it for a beginner?", "What would you try next?", "What do I do now?"]  # fmt: skip
TIP_LEADS = ["Tip:", "PSA:", "Pro tip:", "Friendly reminder:", "Beginner tip:"]
ADVICE = ["don't rush {}", "{} is easier than it looks", "keep notes every time you try {}", "start small with {} and build up", "watch one good tutorial on {} before buying anything", "patience beats fancy gear when it comes to {}", "ask an old hand about {}, they love to share", "budget twice the time you think for {}"]  # fmt: skip
WRITERS = ["a blogger in Millford", "my favourite newsletter", "a club in Ashcombe", "an old forum regular", "a podcast I love", "a local expert", "a writer from Bramley"]  # fmt: skip
VERDICTS = ["gets it right", "skips the jargon", "actually helped me", "changed my mind", "every beginner should read", "made me laugh"]  # fmt: skip
POLL_TAILS = ["", "", "Vote below!", "Results on Friday.", "Comments open too.", "Be honest."]

NAMES = ["maya", "jo", "sam", "priya", "leo", "ana", "kit", "omar", "tess", "ravi", "nell", "finn", "zara", "ben", "lou", "aiko", "dev", "rosa", "max", "ivy", "kemi", "olly", "sana", "teo"]  # fmt: skip
# topic -> handle words
HANDLE_WORDS: dict[str, list[str]] = {
    "cooking": ["bakes", "cooks", "kitchen", "eats", "chef", "stove"],
    "fitness": ["runs", "lifts", "fit", "moves", "trailrunner", "strong"],
    "travel": ["travels", "roams", "wanders", "nomad", "trips", "explores"],
    "photography": ["shoots", "lens", "frames", "snaps", "shutter", "focus"],
    "gaming": ["plays", "gamer", "pixel", "quest", "dice", "level"],
    "gardening": ["grows", "garden", "plants", "bloom", "soil", "sprout"],
    "books": ["reads", "books", "pages", "shelf", "chapter", "ink"],
    "pets": ["paws", "pets", "woof", "whiskers", "tails", "fins"],
    "parenting": ["mum", "dad", "family", "parents", "littles", "nest"],
    "diy & crafts": ["makes", "crafts", "knits", "builds", "clay", "handmade"],
}  # fmt: skip


def post(rng: np.random.Generator, sub: dict[str, list[str]], fmt: str) -> str:
    """Text of one post of subtopic `sub` written in format `fmt` (1-3 short sentences)."""
    body, thing = _pick(rng, sub["posts"]), _pick(rng, sub["things"])
    a, b = (sub["things"][int(i)] for i in rng.permutation(len(sub["things"]))[:2])
    when, closer = _pick(rng, WHEN), _pick(rng, CLOSERS)
    rel, reaction = _pick(rng, RELATIVES), _pick(rng, REACTIONS)
    question = _pick(rng, QUESTIONS).format(thing)
    advice = f"{_pick(rng, TIP_LEADS)} {_pick(rng, ADVICE).format(thing)}."
    writer, verdict = _pick(rng, WRITERS), _pick(rng, VERDICTS)
    texts = {
        "photo": [f"Photo: {body}.", f"Snapped this {when}: {body}.", f"{_cap(body)}. Pic says it all.", f"Pic of the day: {thing}. {_cap(body)}.", f"No filter needed: {body}.", f"Swipe for more! {_cap(body)}."],
        "question": [f"{_cap(body)}. {question}", f"So {body}. {question}", f"Update: {body}. {question}", f"Quick question for the hive mind. {question}", f"{_cap(body)}, but now I'm stuck. {question}"],
        "tip": [advice, f"{advice} Case in point: {body}.", f"{advice} Proof: {body}.", f"{_cap(body)}, and here's what helped. {advice}"],
        "story": [f"So {when} {body}, and my {rel} {reaction}.", f"True story: {body}. {closer}", f"{_cap(when)}, {body}. My {rel} {reaction}.", f"A year ago I knew nothing about {thing}. {_cap(when)}, {body}.", f"Didn't expect this {when}: {body}. {closer}", f"Little story: {body}, and now {thing} is all I think about."],
        "link": [f"Read this piece on {thing} (link in bio).", f"Great write-up on {thing} from {writer}, link in bio.", f"New on the blog: how {body}. Link in bio.", f"{_cap(body)}, and this guide to {thing} is why. Link in bio.", f"Saving this thread on {thing} by {writer} (link in bio).", f"Finally, an article about {thing} that {verdict}. Link in bio."],
        "poll": [f"Poll: {a} or {b}?", f"Settle a debate: {a} or {b}?", f"{_cap(body)}. Next up, {a} or {b}? Poll below.", f"Quick poll for the group: {a} vs {b}. Which wins?", f"Poll time! {_cap(a)} or {b}, and why?", f"Help me decide: {a} or {b}?"],
    }  # fmt: skip
    text = _pick(rng, texts[fmt])
    if fmt == "photo" and rng.random() < 0.5:
        text += " " + closer
    elif fmt == "link" and rng.random() < 0.4:
        text = f"{_cap(body)}. {text}"
    elif fmt == "poll":
        text = (text + " " + _pick(rng, POLL_TAILS)).strip()
    return text


def hashtags(rng: np.random.Generator, sub: dict[str, list[str]]) -> str:
    """Two or three distinct hashtags from the subtopic's tags (sometimes only one)."""
    k = 1 if rng.random() < 0.15 else int(rng.integers(2, 4))
    return " ".join("#" + sub["tags"][int(i)] for i in rng.permutation(len(sub["tags"]))[:k])


def persona(rng: np.random.Generator, interests: list[str], fmt: str) -> str:
    """Profile bio from the user's top subtopic interests and preferred post format."""
    role, style = _pick(rng, ROLES), _pick(rng, FORMATS[fmt])
    first = interests[0]
    second = f", plus {interests[1]}" if len(interests) > 1 else ""
    form = int(rng.integers(4))
    if form == 0:
        return f"{role} who posts about {first}{second}. {_cap(style)}."
    if form == 1:
        extra = f"; sometimes {interests[1]}" if len(interests) > 1 else ""
        return f"All about {first}{extra}. {_cap(style)}."
    if form == 2:
        return f"{role}; into {first}{second}; {style}."
    extra = f" | {_cap(interests[1])}" if len(interests) > 1 else ""
    return f"{_cap(first)}{extra} | {_cap(style)} | {_pick(rng, PLACES)}"


def display_name(rng: np.random.Generator, topic: str) -> str:
    """A fictional handle such as "maya.bakes" or "trailrunner_jo", from the main topic."""
    name, word = _pick(rng, NAMES), _pick(rng, HANDLE_WORDS[topic])
    form = int(rng.integers(5))
    if form == 0:
        return f"{name}.{word}"
    if form == 1:
        return f"{word}_{name}"
    if form == 2:
        return f"{name}_{word}{int(rng.integers(1, 100))}"
    if form == 3:
        return f"the{word}{name}"
    return f"{name}{word}"
