"""News vocabulary and headline writing for the bundled simulator (see `bundled.py`).

Each subtopic lists `events` ("subject | predicate", present tense), themes (`thing`), the
`people` it touches and persona `interest` phrases. Headlines and
abstracts are written from an article's hidden topic, subtopic and tone; personas from a
user's strongest hidden preferences over the same facets. Places and names are fictional.
"""

from __future__ import annotations

import numpy as np

from ._vocab_ecommerce import _cap, _pick

S = dict  # a subtopic's phrase lists, kept short to read

TOPICS: dict[str, dict[str, dict[str, list[str]]]] = {
    "politics": {
        "elections": S(
            events=["the governing party | launches a campaign focused on housing costs", "the opposition leader | calls a snap election", "the governing party | faces a tight race in the suburbs", "a rising independent candidate | unveils a plan to lower the voting age", "the opposition leader | wins a key televised debate", "the mayor | trails in a new poll", "a rising independent candidate | concedes defeat after a recount"],
            thing=["voter turnout", "the race for city hall", "campaign finance rules", "the swing districts"],
            people=["first-time voters", "campaign volunteers", "polling-station staff"],
            interest=["election campaigns and polls", "who is winning the race"]),
        "legislation": S(
            events=["parliament | passes a bill to cap rent increases", "the senate | votes down a controversial surveillance law", "the senate | delays a vote on the budget", "the city council | approves new bike lanes downtown", "parliament | debates a ban on disposable vapes", "the senate | agrees a deal on childcare funding", "the health minister | orders an inquiry into water bills"],
            thing=["the new housing bill", "the budget debate", "rent controls", "local council spending"],
            people=["renters", "council workers", "small landlords"],
            interest=["new laws and parliamentary votes", "how policy gets made"]),
        "diplomacy": S(
            events=["a delegation of trade envoys | signs a new trade agreement", "the prime minister | hosts talks on border security", "the foreign minister | recalls an ambassador after a spy row", "the UN envoy | brokers a ceasefire in the region", "the prime minister | announces a state visit", "the prime minister | pledges aid after the earthquake", "a delegation of trade envoys | walks out of climate negotiations"],
            thing=["the trade talks", "regional security", "humanitarian aid", "the peace process"],
            people=["diplomats", "aid workers", "border communities"],
            interest=["international relations and summits", "foreign affairs"]),
    },
    "sports": {
        "football": S(
            events=["Riverton United | clinches the title on the final day", "Port Ellis Athletic | signs a teenage striker for a record fee", "Riverton United | sacks its coach after a losing run", "Port Ellis Athletic | comes back from two goals down to win the derby", "the national team | is knocked out of the cup on penalties", "Port Ellis Athletic | unveils plans for a new stadium", "the national team | extends its unbeaten run to twenty games"],
            thing=["the transfer window", "the title race", "youth academies", "the relegation battle"],
            people=["season-ticket holders", "academy coaches", "away fans"],
            interest=["league results and transfer gossip", "football tactics and match reports"]),
        "basketball": S(
            events=["the Lakeside Comets | win game seven in overtime", "the league MVP | scores a career-high 51 points", "a rookie point guard | is traded before the deadline", "the Northgate Bears | end a nine-game losing streak", "the Lakeside Comets | reach the conference finals", "the league MVP | signs a max contract", "a rookie point guard | is suspended for two games"],
            thing=["the playoff race", "the draft lottery", "the three-point revolution", "trade-deadline deals"],
            people=["college prospects", "courtside fans", "team statisticians"],
            interest=["basketball playoffs and trades", "NBA-style stats and box scores"]),
        "tennis": S(
            events=["the world number one | wins a five-set thriller", "the defending champion | withdraws with a wrist injury", "a qualifier from Eastbrook | reaches a first Grand Slam final", "a qualifier from Eastbrook | saves three match points to advance", "the defending champion | announces retirement at the end of the season", "the women's top seed | splits with a long-time coach", "the women's top seed | is upset in the first round"],
            thing=["the grass-court season", "the rankings race", "young challengers", "the summer hard-court swing"],
            people=["ball kids", "club players", "line judges"],
            interest=["tennis tournaments and rankings", "Grand Slam matches"]),
        "motorsport": S(
            events=["a rookie driver | takes pole position by a tenth", "a rookie driver | crashes out on the opening lap", "the reigning world champion | wins a rain-soaked grand prix", "a rookie driver | is handed a five-place grid penalty", "the Silverline team | unveils a radical new car", "the reigning world champion | clinches a third straight title", "the championship leader | switches teams for next season"],
            thing=["the constructors' championship", "tyre strategy", "the new engine rules", "street-circuit races"],
            people=["pit crews", "race engineers", "grandstand fans"],
            interest=["Formula-style racing and qualifying", "motorsport strategy"]),
    },
    "technology": {
        "artificial intelligence": S(
            events=["a leading AI lab | releases a new language model", "the regulator | proposes rules for AI safety testing", "a chip maker | unveils a faster AI chip", "a university research team | shows an AI that can design new proteins", "a start-up chatbot company | is sued over training data", "a leading AI lab | opens its model to researchers", "a start-up chatbot company | pauses a product after biased answers"],
            thing=["machine learning", "AI regulation", "chatbots at work", "AI in classrooms"],
            people=["software engineers", "teachers using AI", "data scientists"],
            interest=["artificial intelligence and machine learning", "what AI means for jobs"]),
        "gadgets": S(
            events=["a major phone maker | unveils a foldable phone", "a headphone maker | cuts prices ahead of the holidays", "a major phone maker | recalls chargers over a fire risk", "a games-console maker | launches a console with longer battery life", "the smartwatch brand | adds health tracking to its watch", "the e-reader company | delays its new tablet", "a headphone maker | drops the headphone jack for good"],
            thing=["smartphone cameras", "battery life", "wearable health tech", "the right-to-repair movement"],
            people=["early adopters", "repair-shop owners", "gamers"],
            interest=["new phones and gadget reviews", "consumer tech launches"]),
        "cybersecurity": S(
            events=["a hospital network | is hit by a ransomware attack", "the national cyber agency | warns of a surge in phishing texts", "a major retailer | leaks millions of customer records", "a browser maker | patches a critical security flaw", "a hospital network | traces a breach to a stolen password", "an ethical hacker | earns a bug bounty for a major flaw", "the national cyber agency | shuts down a botnet"],
            thing=["online privacy", "password security", "data breaches", "scam texts"],
            people=["security researchers", "IT teams", "scam victims"],
            interest=["cybersecurity and data breaches", "online privacy"]),
    },
    "business": {
        "markets": S(
            events=["the stock market | falls sharply after inflation data", "the central bank | raises interest rates by a quarter point", "the tech index | hits a record high", "the stock market | rallies on hopes of rate cuts", "the pound | slides as recession fears grow", "the central bank | holds rates steady", "oil prices | rebound after a volatile week"],
            thing=["interest rates", "inflation", "the bond market", "commodity prices"],
            people=["traders", "pension savers", "economists"],
            interest=["stock markets and interest rates", "the economy and inflation"]),
        "startups": S(
            events=["a fintech start-up | raises 40 million in new funding", "a food-delivery app | lays off a third of its staff", "a climate-tech company | is bought by a tech giant", "a fintech start-up | files to go public", "a two-person software firm | pivots to selling to businesses", "a fintech start-up | becomes the city's first unicorn", "a food-delivery app | shuts down after failing to find buyers"],
            thing=["venture capital", "start-up culture", "the IPO market", "founder burnout"],
            people=["founders", "angel investors", "early employees"],
            interest=["start-ups and venture funding", "entrepreneurship"]),
        "retail": S(
            events=["a high-street chain | closes 40 stores", "an online fashion giant | reports record holiday sales", "a discount retailer | cuts prices on thousands of items", "an online fashion giant | brings back free returns", "the biggest supermarket | opens its first cashier-free shop", "a high-street chain | warns of a difficult year", "the shopping centre owner | rescues a struggling department store"],
            thing=["the high street", "online shopping", "grocery prices", "holiday spending"],
            people=["shop workers", "bargain hunters", "independent shopkeepers"],
            interest=["retail and the high street", "shopping trends"]),
    },
    "money": {
        "saving and investing": S(
            events=["a popular savings app | raises its savings rate to a ten-year high", "the pensions watchdog | warns about risky crypto schemes", "a big investment platform | cuts fees for small investors", "the tax office | extends the deadline for tax returns", "a building society | launches a first-time buyer ISA", "the pensions watchdog | changes the rules on pension withdrawals", "a building society | pays out on a mis-selling scandal"],
            thing=["index funds", "pension planning", "emergency savings", "paying less tax"],
            people=["young savers", "retirees", "first-time investors"],
            interest=["personal finance and saving", "investing tips and pensions"]),
        "housing market": S(
            events=["house prices | fall for a third month in a row", "a major mortgage lender | cuts mortgage rates", "the housing minister | promises 300,000 new homes", "the city's biggest developer | halts a flagship tower project", "rents | hit a record high", "a major mortgage lender | offers 95 per cent mortgages again", "rents | rise fastest in the suburbs"],
            thing=["mortgage rates", "renting versus buying", "the housing shortage", "first homes"],
            people=["first-time buyers", "renters", "estate agents"],
            interest=["the housing market and mortgages", "property prices"]),
    },
    "health": {
        "nutrition": S(
            events=["a new study | links ultra-processed food to poor sleep", "a snack maker | cuts sugar in its best-selling bars", "a leading dietitian | recommends more fibre for adults", "a new study | finds benefits in a Mediterranean diet", "the food standards agency | bans junk-food adverts before 9pm", "a leading dietitian | questions the hype around protein shakes", "the school meals service | adds free fruit to school lunches"],
            thing=["healthy eating", "gut health", "sugar and salt", "plant-based diets"],
            people=["dietitians", "school cooks", "home cooks"],
            interest=["nutrition and healthy eating", "diet science"]),
        "medical research": S(
            events=["the medicines regulator | approves a new Alzheimer's drug", "a hospital trial | reports a breakthrough in cancer screening", "a biotech firm | tests a vaccine against a common virus", "researchers at Eastbrook University | find a gene linked to heart disease", "the health service | cuts waiting times for scans", "a biotech firm | starts trials of a once-a-year injection", "the health service | warns of a rise in antibiotic resistance"],
            thing=["cancer treatment", "clinical trials", "vaccines", "waiting lists"],
            people=["patients", "nurses", "research volunteers"],
            interest=["medical breakthroughs and research", "new treatments"]),
        "mental health": S(
            events=["a mental-health charity | reports rising anxiety among teenagers", "the schools minister | funds counsellors in every school", "a workplace survey | finds burnout at a record level", "a new therapy app | offers free sessions for students", "GPs | prescribe more walking groups", "a mental-health charity | warns about social media and sleep", "a new therapy app | launches a crisis text line"],
            thing=["stress at work", "anxiety", "loneliness", "wellbeing"],
            people=["teenagers", "carers", "counsellors"],
            interest=["mental health and wellbeing", "stress and burnout"]),
    },
    "science": {
        "space": S(
            events=["the space agency | launches a mission to Jupiter's moons", "a private rocket company | lands a reusable rocket at sea", "an amateur astronomer | spots a comet visible to the naked eye", "the Mars rover | finds traces of ancient water", "a new space telescope | captures the sharpest image of a distant galaxy", "the space agency | delays its moon landing", "a new space telescope | discovers a potentially habitable planet"],
            thing=["the search for life", "moon missions", "meteor showers", "space junk"],
            people=["astronauts", "stargazers", "mission engineers"],
            interest=["space exploration and astronomy", "rocket launches"]),
        "climate": S(
            events=["a new report | warns that this summer was the hottest on record", "climate scientists | show glaciers melting faster than expected", "a coastal town | plans to move homes away from the eroding coast", "the wind-farm operator | opens the largest offshore wind farm", "a new report | finds coral reefs recovering", "the environment agency | sets a target to plant a million trees", "a research ship | records the lowest sea ice in decades"],
            thing=["climate change", "renewable energy", "rising seas", "wildlife loss"],
            people=["farmers", "coastal residents", "young climate activists"],
            interest=["climate change and the environment", "renewable energy"]),
    },
    "entertainment": {
        "movies": S(
            events=["the summer's biggest blockbuster | breaks box-office records", "an indie director | wins the top prize at the festival", "a veteran actor | announces a long-awaited sequel", "the summer's biggest blockbuster | is pulled from cinemas after protests", "an indie director | casts a newcomer in the lead role", "a streaming studio | delays its big-budget epic by a year", "an indie director | earns rave reviews"],
            thing=["the awards season", "superhero fatigue", "independent cinema", "cinema ticket prices"],
            people=["film critics", "cinema owners", "stunt performers"],
            interest=["new films and box-office news", "movie reviews"]),
        "television": S(
            events=["a hit crime drama | is renewed for a final season", "the streaming service | raises subscription prices", "a hit crime drama | is cancelled after one series", "a cult sitcom | returns with a Christmas special", "a hit crime drama | sweeps the TV awards", "the streaming service | reboots a 90s classic", "the public broadcaster | announces its new presenter"],
            thing=["binge-watching", "the streaming wars", "reality TV", "prestige drama"],
            people=["TV critics", "showrunners", "superfans"],
            interest=["TV series and streaming shows", "what to watch this week"]),
        "music": S(
            events=["a chart-topping singer | announces a world tour", "the reunited rock band | releases a surprise album", "a chart-topping singer | cancels shows after a vocal injury", "the summer festival | sells out in minutes", "a rising rapper | wins album of the year", "the reunited rock band | plays a secret gig in a tiny venue", "a rising rapper | signs a record deal"],
            thing=["ticket prices", "vinyl sales", "the festival season", "streaming royalties"],
            people=["touring musicians", "festival-goers", "record-shop owners"],
            interest=["music news and concerts", "new albums and tours"]),
    },
    "travel": {
        "destinations": S(
            events=["a quiet island town | limits daily visitors to protect its beaches", "the mountain village | is named the best place to visit this year", "the old port city | introduces a tourist tax", "a national park | reopens a historic railway", "the coastal resort | bans cruise ships from its harbour", "the old port city | restores its medieval old town", "a quiet island town | becomes a hotspot for remote workers"],
            thing=["overtourism", "slow travel", "city breaks", "hidden gems"],
            people=["backpackers", "hotel owners", "local guides"],
            interest=["travel destinations and city breaks", "places to visit"]),
        "air travel": S(
            events=["a budget airline | cancels hundreds of flights", "a long-haul carrier | adds new routes for the summer", "the main airport | scraps the liquids rule at security", "air-traffic controllers | go on strike over pay", "a budget airline | starts charging for cabin bags", "a long-haul carrier | trials a sustainable jet fuel", "a budget airline | is fined for delays"],
            thing=["flight delays", "passenger rights", "cheap flights", "airport queues"],
            people=["holidaymakers", "cabin crew", "frequent flyers"],
            interest=["flights, airlines and airports", "travel deals"]),
    },
    "food and drink": {
        "recipes": S(
            events=["a celebrated chef | shares a one-pot pasta recipe", "a celebrated chef | reveals the secret to crispy roast potatoes", "a popular cookbook | publishes a vegan Christmas menu", "a home-cooking blogger | tests ten ways to cook rice", "a street-food vendor | goes viral with a three-ingredient cake", "a home-cooking blogger | brings back a classic family stew", "the baking show winner | swaps meat for beans in a chilli"],
            thing=["weeknight dinners", "baking bread", "cooking on a budget", "seasonal vegetables"],
            people=["home cooks", "busy parents", "keen bakers"],
            interest=["recipes and cooking ideas", "baking"]),
        "restaurants": S(
            events=["a neighbourhood bistro | wins its first star", "the family-run pizzeria | closes after forty years", "a ramen bar | opens a zero-waste kitchen", "the city's top chef | introduces a four-day week for staff", "a ramen bar | tops the list of best new openings", "a neighbourhood bistro | adds a plant-based menu", "the family-run pizzeria | is saved by a crowdfunding campaign"],
            thing=["eating out", "tipping", "food trends", "the price of a meal out"],
            people=["waiting staff", "diners", "restaurant owners"],
            interest=["restaurant openings and reviews", "eating out"]),
    },
    "lifestyle": {
        "parenting": S(
            events=["a paediatrician | warns against screens before bedtime", "the schools regulator | extends free childcare hours", "a new survey of parents | finds parents spend more time on homework", "the schools regulator | recommends later school start times", "a nursery chain | raises fees again", "a parenting expert | shares tips for picky eaters", "a new survey of parents | reports a rise in home schooling"],
            thing=["screen time", "childcare costs", "school-run stress", "toddler tantrums"],
            people=["new parents", "grandparents", "teachers"],
            interest=["parenting advice", "schools and childcare"]),
        "home and garden": S(
            events=["a gardening presenter | picks the best plants for shady gardens", "the flower show | crowns a wild meadow garden best in show", "an interior designer | predicts next year's paint colours", "a furniture chain | recalls a popular bookcase", "the energy regulator | offers grants for home insulation", "a gardening presenter | shares tips for small balconies", "the environment department | bans peat in garden compost"],
            thing=["small gardens", "home renovation", "energy-saving homes", "houseplants"],
            people=["gardeners", "renovators", "flat dwellers"],
            interest=["home, garden and interiors", "gardening tips"]),
    },
    "autos": {
        "electric vehicles": S(
            events=["an electric-car maker | cuts the price of its cheapest model", "the charging network | installs 1,000 new fast chargers", "the transport minister | brings forward the petrol-car ban", "a battery start-up | promises a battery that charges in ten minutes", "the city's taxi fleet | goes fully electric", "an electric-car maker | recalls cars over a software fault", "an electric-car maker | reports record sales"],
            thing=["charging at home", "range anxiety", "battery recycling", "the switch to electric"],
            people=["EV drivers", "taxi drivers", "mechanics"],
            interest=["electric cars and charging", "EV news"]),
        "car reviews": S(
            events=["the new family SUV | is tested on the motorway", "a classic roadster | impresses on a mountain road", "the updated hatchback | disappoints on fuel economy", "the seven-seat estate | gets a five-star safety rating", "a classic roadster | returns after a decade", "a rugged pick-up truck | tops the reliability survey", "the updated hatchback | gains a hybrid engine"],
            thing=["used-car prices", "car insurance", "family cars", "driving tests"],
            people=["learner drivers", "car enthusiasts", "fleet managers"],
            interest=["car reviews and road tests", "motoring"]),
    },
    "weather": {
        "storms": S(
            events=["the weather service | issues a red warning for high winds", "a powerful storm | brings flooding to coastal towns", "a powerful storm | leaves thousands without power", "the coastguard | rescues walkers stranded by rising water", "flood defences | hold firm as river levels peak", "the ferry operator | cancels ferries for the weekend", "the weather service | names the season's first storm"],
            thing=["flood risk", "extreme weather", "storm damage", "power cuts"],
            people=["residents", "emergency crews", "farmers"],
            interest=["storms and weather warnings", "extreme weather"]),
        "forecasts": S(
            events=["forecasters | predict a white Christmas for the hills", "forecasters | expect the warmest weekend of the year", "the weather service | warns of frost on the roads", "a heatwave | breaks a seventy-year temperature record", "a long-range forecast | promises a dry bank-holiday weekend", "a heatwave | hits the south after a cool start", "an autumn heatwave | sets a new record for October"],
            thing=["the weekend weather", "hay fever season", "heatwaves", "the first frosts"],
            people=["commuters", "hay-fever sufferers", "gardeners"],
            interest=["weather forecasts", "the weekend weather"]),
    },
}  # fmt: skip

# tone -> persona phrases
TONES: dict[str, list[str]] = {
    "breaking": ["wants the news as it happens", "checks breaking alerts first thing", "likes short, up-to-the-minute updates"],
    "analysis": ["prefers in-depth analysis to quick headlines", "reads long analysis pieces", "likes to understand the bigger picture"],
    "explainer": ["likes clear explainers", "wants complicated stories explained simply", "reads Q&As and explainers"],
    "feature": ["enjoys human-interest features", "likes long reads about real people", "loves stories about ordinary people"],
    "opinion": ["reads opinion columns", "enjoys a strong opinion piece", "likes to hear a columnist's take"],
    "guide": ["saves practical how-to guides", "likes useful tips and lists", "reads service pieces and guides"],
}  # fmt: skip

ROLES = ["Morning commuter", "Retired teacher", "Night-shift nurse", "University student", "Small-business owner", "Busy parent", "Software developer", "Freelance designer", "Local councillor", "Delivery driver", "Museum curator", "Sixth-former"]  # fmt: skip
PLACES = ["Riverton", "Eastbrook", "Lakeside", "Port Ellis", "Northgate", "Millford", "Ashcombe", "Kingsbridge", "Westhaven", "Oakridge", "Bramley", "Fairport"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
REACTIONS = ["a move that drew mixed reactions", "surprising many observers", "after weeks of speculation", "to cheers from supporters", "in a decision critics called rushed", "the first such step in years", "despite strong opposition"]  # fmt: skip
NUMBERS = ["Five", "Seven", "Ten", "Three", "Six", "Eight"]


def headline(rng: np.random.Generator, sub: dict[str, list[str]], tone: str) -> tuple[str, str]:
    """(headline, abstract) for one article of subtopic `sub` written in `tone`."""
    who, what = _pick(rng, sub["events"]).split(" | ")
    thing = _pick(rng, sub["thing"])
    people, place, day = _pick(rng, sub["people"]), _pick(rng, PLACES), _pick(rng, DAYS)
    event = f"{_cap(who)} {what}"
    where = f" in {place}" if rng.random() < 0.45 else ""
    topic = f"{thing}{where}"  # "rent controls in Riverton"
    n = _pick(rng, NUMBERS)
    titles = {
        "breaking": [f"{event}{where}", f"Breaking: {who} {what}{where}", f"{event}, officials say", f"Just in: {who} {what}{where}", f"{event} — live updates", f"Update: {who} {what}{where}"],
        "analysis": [f"Analysis: {who} {what} — what comes next", f"What it means as {who} {what}{where}", f"Behind the news: {who} {what}", f"Why it matters that {who} {what}", f"Analysis: the stakes for {people} as {who} {what}", f"Winners and losers as {who} {what}"],
        "explainer": [f"Explainer: {who} {what}, and why it matters", f"What you need to know as {who} {what}", f"{event}: your questions answered", f"{_cap(topic)}, explained", f"Explained: what {thing} means for {people}", f"{event}{where}. Here's what we know"],
        "feature": [f"Meet the {people} changing {topic}", f"A week with the {people} at the heart of {topic}", f"How {people} are rethinking {topic}", f"The {people} of {place} and the story of {thing}", f"'It changed everything': {people} on {topic}", f"Inside the fight over {topic}"],
        "opinion": [f"Opinion: {topic} deserves more attention", f"Opinion: it's time to rethink {topic}", f"Why I changed my mind about {topic}", f"Opinion: the debate over {topic} misses the point", f"Opinion: {people} deserve better on {thing}", f"Opinion: {place} can lead the way on {thing}"],
        "guide": [f"{n} things to know about {topic}", f"A beginner's guide to {topic}", f"How to make sense of {topic}", f"{n} ways {thing} could affect you this year", f"{n} tips for {people} on {thing}", f"Your guide to {topic} this week"],
    }  # fmt: skip
    news = f"{_cap(who)} {what}{where} on {day}, {_pick(rng, REACTIONS)}."
    tails = {
        "breaking": ["More details are expected later today.", "This story is developing.", f"{_cap(people)} are being told to check for updates."],
        "analysis": [f"We look at what it means for {people} and for {thing}.", f"Our correspondent weighs the winners and losers for {people}.", f"The decision could reshape {thing} for years."],
        "explainer": ["Here is what happened, why it matters and what comes next.", f"We answer the questions {people} are asking.", f"A plain-English guide to {thing}."],
        "feature": [f"Our reporter spent a week with {people} to understand {thing}.", f"{_cap(people)} tell their own stories about {thing}.", f"A portrait of the {people} who live with {thing} every day."],
        "opinion": [f"Our columnist argues that {thing} needs a rethink.", f"It is time {people} were heard on {thing}, writes our columnist.", f"A personal view on {thing} and what should change."],
        "guide": [f"Practical tips for {people} on {thing}.", f"Everything {people} need to know about {thing}, in one place.", f"Our step-by-step guide to {thing}."],
    }  # fmt: skip
    body = [news, _pick(rng, tails[tone])]
    if tone in ("feature", "opinion", "guide") and rng.random() < 0.5:
        body = body[::-1]
    if rng.random() < 0.25:
        body = body[:1]
    return _pick(rng, titles[tone]), " ".join(body)


def persona(rng: np.random.Generator, interests: list[str], tone: str) -> str:
    """Persona from the user's top subtopic interests and preferred tone."""
    role, style = _pick(rng, ROLES), _pick(rng, TONES[tone])
    first = interests[0]
    second = f" and also reads about {interests[1]}" if len(interests) > 1 else ""
    form = int(rng.integers(3))
    if form == 0:
        return f"{role} who follows {first} closely{second}. {_cap(style)}."
    if form == 1:
        extra = f"; dips into {interests[1]} now and then" if len(interests) > 1 else ""
        return f"Reads everything about {first}{extra}. {_cap(style)}."
    return f"{role}; keeps up with {first}{second}, and {style}."
