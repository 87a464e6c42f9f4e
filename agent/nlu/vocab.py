"""Generic vocabulary that fills the templates when generating training data."""

from __future__ import annotations

OPPOSITES = frozenset(map(frozenset, (("on", "off"), ("up", "down"), ("open", "close"), ("lock", "unlock"),
                                     ("start", "stop"), ("pause", "resume"), ("louder", "quieter"),
                                     ("brighter", "dimmer"), ("warmer", "cooler"))))
"""Words that turn a command into its opposite: a rewrite never trades one for the other, and enrollment
prompts say them all."""

DEVICES: dict[str, tuple[str, ...]] = {
    "light": (
        "light", "lights", "lamp", "lamps", "ceiling light", "floor lamp", "desk lamp", "table lamp",
        "reading lamp", "bedside lamp", "night light", "nightlight", "string lights", "fairy lights",
        "lava lamp", "salt lamp", "pendant light", "chandelier", "spotlights", "spot lights",
        "strip lights", "led strip", "porch light", "hallway light", "kitchen light", "garage light",
        "bathroom light", "closet light", "big light", "main light", "overhead light", "wall lights",
        "corner lamp", "standing lamp", "uplighter", "under cabinet lights", "mirror light",
        "christmas lights", "tree lights", "accent lights", "sconces", "hue lights", "globe lamp",
        "window light", "desk light", "stair lights", "patio lights", "garden lights", "bulb",
    ),
    "switch": (
        "fan", "ceiling fan", "desk fan", "tower fan", "heater", "space heater", "electric blanket",
        "dehumidifier", "humidifier", "air purifier", "kettle", "toaster", "dishwasher",
        "washing machine", "dryer", "plug", "smart plug", "outlet", "power strip", "christmas tree",
        "fountain", "aquarium", "fish tank pump", "pool pump", "sprinklers", "irrigation",
        "hot tub", "towel warmer", "fireplace", "monitor", "computer", "printer", "router",
        "electric fire", "water heater", "boiler", "extractor fan", "air conditioner", "ac",
        "radiator", "baby monitor", "charger", "soundbar", "projector", "slow cooker", "rice cooker",
    ),
    "cover": (
        "garage door", "garage", "blinds", "shades", "curtains", "shutters", "gate", "driveway gate",
        "skylight", "awning", "window blinds", "roller shutter", "bedroom blinds", "patio door",
    ),
    "lock": (
        "front door", "back door", "side door", "door", "front door lock", "back door lock",
        "deadbolt", "patio door", "garage side door", "basement door", "gate lock", "door lock",
        "lock", "main door", "porch door", "shed", "shed door", "cellar door",
    ),
    "media": (
        "tv", "television", "speaker", "speakers", "kitchen speaker", "bedroom speaker",
        "living room tv", "soundbar", "stereo", "radio", "echo", "sonos", "chromecast", "roku",
        "apple tv", "smart tv", "projector", "bedroom tv", "home theater", "record player",
        "hifi", "boombox", "media player", "den speaker", "office speaker", "bluetooth speaker",
    ),
    "climate": (
        "thermostat", "heating", "heat", "ac", "air conditioning", "air conditioner", "heat pump",
        "furnace", "hvac", "climate", "radiator", "underfloor heating", "floor heating",
    ),
    "oven": ("oven", "stove", "range", "wall oven", "convection oven", "toaster oven", "air fryer"),
    "vacuum": (
        "vacuum", "robot vacuum", "roomba", "vacuum cleaner", "robot", "hoover", "robovac",
        "cleaning robot", "mop", "robot mop", "deebot", "roborock",
    ),
    "coffee": ("coffee maker", "coffee machine", "espresso machine", "coffee pot", "percolator", "keurig", "kettle",
               "tea kettle", "electric kettle"),
    "fan": ("fan", "ceiling fan", "desk fan", "tower fan", "pedestal fan", "bedroom fan", "box fan", "attic fan"),
    "valve": ("sprinkler", "sprinklers", "garden sprinkler", "water valve", "irrigation", "main water valve",
              "garden hose", "drip line"),
    "scene": ("movie night", "good night", "relax", "dinner party", "reading time", "romantic", "bright",
              "morning", "party mode", "cozy evening"),
    "script": ("bedtime routine", "morning routine", "leaving home", "arrive home", "wake up", "goodnight routine",
               "away mode", "welcome home"),
    "todo": ("shopping list", "to do list", "chores", "groceries", "grocery list", "packing list", "tasks"),
    "sensor": ("outdoor temperature", "outdoor humidity", "indoor temperature", "humidity sensor",
               "temperature sensor", "energy meter", "power usage", "air quality", "co2 sensor", "rain gauge"),
    "binary_sensor": ("kitchen window", "front window", "back door sensor", "bathroom window", "motion sensor",
                      "window sensor", "door sensor", "smoke detector", "leak sensor", "mailbox"),
    "person": ("alice", "bob", "mom", "dad", "sarah", "tom", "grandma", "james", "emma", "the kids"),
}
"""Generic device names by kind."""

FLOORS: tuple[str, ...] = (
    "upstairs", "downstairs", "ground floor", "first floor", "second floor", "top floor", "basement", "main floor",
    "attic", "lower level",
)
"""Generic floor names."""

GROCERIES: tuple[str, ...] = (
    "milk", "oat milk", "eggs", "bread", "bananas", "apples", "coffee", "toilet paper", "dish soap", "butter",
    "cheese", "chicken", "rice", "pasta", "tomatoes", "olive oil", "dog food", "cereal", "yogurt", "paper towels",
)
"""Things put on a shopping list."""

CHORES: tuple[str, ...] = (
    "mow the lawn", "take out the trash", "clean the gutters", "call the plumber", "water the plants",
    "pay the bills", "vacuum the stairs", "fix the fence", "change the sheets", "walk the dog",
)
"""Things put on a to-do list."""

MESSAGES: tuple[str, ...] = (
    "dinner is ready", "we're leaving in five minutes", "time for bed", "the movie is starting",
    "breakfast is on the table", "come downstairs", "the car is here", "lunch is ready", "wake up",
)
"""What is broadcast to the house."""

LATER_COMMANDS: tuple[str, ...] = (
    "turn off the lights", "turn off the kitchen light", "turn on the porch light", "turn off the tv",
    "turn the heating off", "switch off the fan", "turn on the coffee maker", "close the blinds",
    "turn off the bedroom lamp", "pause the music", "turn the heat down", "start the vacuum",
)
"""Requests made for later ("... in ten minutes")."""

AREAS: tuple[str, ...] = (
    "kitchen", "living room", "bedroom", "master bedroom", "guest room", "guest bedroom", "office",
    "home office", "study", "basement", "garage", "hallway", "hall", "bathroom", "dining room",
    "den", "family room", "lounge", "attic", "porch", "patio", "backyard", "garden", "front yard",
    "nursery", "kids room", "playroom", "laundry room", "utility room", "pantry", "closet",
    "upstairs", "downstairs", "entrance", "entryway", "foyer", "library", "gym", "sunroom",
    "mudroom", "workshop", "shed", "balcony", "deck", "loft", "cellar", "media room", "game room",
    "bobs room", "alices room", "second bedroom", "spare room", "ensuite", "landing", "staircase",
)
"""Generic room and zone names."""

COLORS: tuple[str, ...] = (
    "red", "green", "blue", "yellow", "orange", "purple", "pink", "white", "warm white",
    "cool white", "daylight", "cyan", "magenta", "teal", "violet", "lavender", "gold", "amber",
    "turquoise", "lime", "indigo", "crimson", "light blue", "dark blue", "soft white", "peach",
    "coral", "salmon", "navy", "mint", "aqua", "maroon", "lilac", "candlelight",
)
"""Light colors."""

MEDIA: dict[str, tuple[str, ...]] = {
    "movie": (
        "hunger games", "the hunger games", "harry potter", "lord of the rings", "the matrix",
        "star wars", "the empire strikes back", "jurassic park", "frozen", "toy story", "finding nemo",
        "the godfather", "inception", "interstellar", "titanic", "the lion king", "back to the future",
        "the dark knight", "pulp fiction", "casablanca", "jaws", "home alone", "shrek", "moana",
        "top gun", "the avengers", "black panther", "the princess bride", "gladiator", "avatar",
        "up", "coco", "cars", "the incredibles", "dune", "barbie", "oppenheimer", "elf",
        "the sound of music", "mary poppins", "the wizard of oz", "ghostbusters", "rocky",
        "die hard", "forrest gump", "the terminator", "alien", "ratatouille", "wall e",
    ),
    "audiobook": (
        "harry potter", "the hobbit", "lord of the rings", "pride and prejudice", "the hunger games",
        "dune", "project hail mary", "the martian", "becoming", "atomic habits", "educated",
        "the great gatsby", "moby dick", "sapiens", "the name of the wind", "little women",
        "where the crawdads sing", "to kill a mockingbird", "nineteen eighty four", "the alchemist",
        "a game of thrones", "the road", "circe", "the catcher in the rye", "war and peace",
        "the secret garden", "charlottes web", "matilda", "the gruffalo", "good omens",
    ),
    "song": (
        "bohemian rhapsody", "hey jude", "let it be", "yesterday", "imagine", "hotel california",
        "shake it off", "bad guy", "blinding lights", "yellow submarine", "stairway to heaven",
        "sweet caroline", "dancing queen", "billie jean", "thriller", "purple rain", "wonderwall",
        "hallelujah", "happy", "uptown funk", "rolling in the deep", "africa", "take on me",
        "smells like teen spirit", "like a rolling stone", "despacito", "old town road",
        "here comes the sun", "all of me", "perfect", "clocks", "halo", "jolene", "respect",
        "my way", "fly me to the moon", "what a wonderful world", "september", "toxic", "levels",
    ),
    "album": (
        "abbey road", "thriller", "rumours", "nevermind", "back in black", "the dark side of the moon",
        "twenty one", "folklore", "1989", "kind of blue", "random access memories", "revolver",
        "purple rain", "born to run", "lemonade", "ok computer", "blue", "graceland", "hounds of love",
        "the joshua tree", "led zeppelin four", "sgt peppers", "midnights", "harrys house",
    ),
    "artist": (
        "the beatles", "taylor swift", "beyonce", "queen", "the rolling stones", "adele",
        "michael jackson", "coldplay", "ed sheeran", "elvis", "elvis presley", "miles davis",
        "bruce springsteen", "fleetwood mac", "pink floyd", "led zeppelin", "abba", "drake",
        "billie eilish", "the weeknd", "radiohead", "nirvana", "bob dylan", "david bowie",
        "frank sinatra", "norah jones", "johnny cash", "dolly parton", "daft punk", "bach",
        "mozart", "beethoven", "the killers", "arctic monkeys", "kendrick lamar", "prince",
        "stevie wonder", "aretha franklin", "madonna", "u2", "oasis", "the cure", "lizzo",
    ),
    "genre": (
        "jazz", "rock", "classical", "pop", "hip hop", "country", "blues", "reggae", "lo fi",
        "lofi beats", "chill", "relaxing", "smooth jazz", "heavy metal", "punk", "folk", "soul",
        "funk", "disco", "techno", "house", "christmas", "kids songs", "lullabies", "ambient",
        "white noise", "rain sounds", "eighties hits", "nineties rock", "top hits", "workout",
        "dinner party", "opera", "bossa nova", "k pop", "motown", "indie rock", "edm", "gospel",
    ),
    "podcast": (
        "serial", "the daily", "this american life", "radiolab", "freakonomics", "planet money",
        "the joe rogan experience", "hardcore history", "stuff you should know", "the moth",
        "huberman lab", "crime junkie", "the tim ferriss show", "reply all", "99 percent invisible",
        "my favorite murder", "song exploder", "science vs", "the rest is history",
    ),
    "radio": (
        "npr", "bbc radio one", "bbc radio four", "kexp", "classic fm", "jazz fm", "kiss fm",
        "the local news station", "wnyc", "radio paradise", "capital fm", "magic fm", "absolute radio",
        "sirius xm", "kqed",
    ),
}
"""Media titles by kind; "artist" and "genre" are music."""

MEDIA_CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "movie": ("movie", "film"),
    "audiobook": ("audiobook", "audio book", "book"),
    "song": ("song", "track", "tune"),
    "album": ("album", "record"),
    "podcast": ("podcast",),
    "music": ("music",),
    "radio": ("radio", "station", "radio station"),
}
"""How each media class is said."""

CITIES: tuple[str, ...] = (
    "new york", "san francisco", "wilkerson", "london", "paris", "tokyo", "chicago", "boston",
    "seattle", "los angeles", "san diego", "austin", "denver", "miami", "portland", "phoenix",
    "dallas", "houston", "atlanta", "toronto", "vancouver", "berlin", "madrid", "rome", "sydney",
    "melbourne", "dublin", "edinburgh", "amsterdam", "springfield", "salt lake city", "las vegas",
    "new orleans", "mexico city", "buenos aires", "rio de janeiro", "hong kong", "san jose",
    "kansas city", "st louis", "oklahoma city", "fort worth", "palo alto", "cape town", "oslo",
    "stockholm", "helsinki", "vienna", "prague", "lisbon", "nashville", "sacramento", "reno",
    "fresno", "tucson", "albuquerque", "omaha", "boise", "anchorage", "honolulu", "santa fe",
    "mountain view", "santa cruz", "lake tahoe", "ann arbor", "grand rapids", "little rock",
    "napa", "sonoma", "berkeley", "oakland", "brooklyn", "glasgow", "manchester", "washington", "philadelphia",
)
"""Places people ask the weather for."""

DAYS: tuple[str, ...] = (
    "today", "tomorrow", "tonight", "this weekend", "the weekend", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "this afternoon", "this evening", "tomorrow morning",
    "next week", "the day after tomorrow",
)
"""When people ask the weather for."""

TIMER_NAMES: tuple[str, ...] = (
    "pasta", "egg", "eggs", "pizza", "laundry", "tea", "cookie", "cookies", "bread", "rice",
    "chicken", "nap", "workout", "homework", "oven", "steak", "potato", "potatoes", "cake",
    "roast", "turkey", "meditation", "study", "break", "parking", "kids", "bath", "dough",
    "brownies", "coffee", "plank", "reading", "screen time", "bedtime", "pomodoro", "boiled egg",
    "french fries", "tea bag", "dinner", "lunch", "muffin", "soup", "pie", "veggies",
)
"""Names people give timers."""

STATES: dict[str, tuple[str, ...]] = {
    "on": ("on",),
    "off": ("off",),
    "open": ("open", "opened"),
    "closed": ("closed", "shut"),
    "locked": ("locked",),
    "unlocked": ("unlocked",),
}
"""Device states and the words for them."""

OFF_TOPIC: tuple[str, ...] = (
    "make me a sandwich", "tell me a joke", "what is the meaning of life", "order a pizza",
    "who won the game", "who won the game last night", "what's the capital of france",
    "how tall is mount everest", "call my mom", "send a text to john", "text sarah i'm running late",
    "book a flight to paris", "book a table for two", "how do you make pancakes",
    "what's two plus two", "what is seven times eight", "translate hello into spanish",
    "how do you spell necessary", "who is the president", "sing me a song", "tell me a story",
    "what's your name", "how old are you", "are you a robot", "do you love me",
    "add milk to my shopping list", "remind me to call the dentist", "what's on my calendar",
    "read my emails", "check my email", "order more paper towels", "buy some batteries",
    "how far is the moon", "who wrote hamlet", "what's the stock price of apple",
    "how many calories in an apple", "what's the score of the lakers game", "get me an uber",
    "call a taxi", "find a restaurant nearby", "where is the nearest gas station",
    "how do i get to the airport", "what's the traffic like", "define serendipity",
    "flip a coin", "roll a dice", "pick a number between one and ten", "what does the fox say",
    "make me a cocktail", "make me rich", "make me a cake", "do my homework", "wash the dishes",
    "walk the dog", "feed the cat", "take out the trash", "fold the laundry", "clean my room",
    "write a poem", "write an email to my boss", "what's the news", "read me the news",
    "tell me something interesting", "what can you do", "help", "who are you", "good morning",
    "good night", "hello", "hi there", "thank you", "thanks", "how are you", "i'm bored",
    "i love you", "you're stupid", "what's the best pizza place", "how much is a bitcoin",
    "convert ten miles to kilometers", "how many ounces in a cup", "what's the square root of nine",
    "who invented the light bulb", "what year did world war two end", "where do babies come from",
    "teach me french", "open the pod bay doors", "beam me up", "make it so", "let's play a game",
    "what should i eat for dinner", "find me a recipe for lasagna", "how long do i boil an egg",
    "is the earth flat", "why is the sky blue", "what's the population of china",
    "when is mother's day", "how many days until christmas", "who sings this song",
    "what's this song", "what rhymes with orange", "spell cat", "send money to bob",
    "pay my bills", "what's my bank balance", "schedule a meeting for tomorrow", "call nine one one",
    "where are my keys", "find my phone", "what did i say", "repeat that", "say something funny",
    "what's the wifi password", "how do i reset my router", "who's at the door",
    "make me a sandwich please", "fix my car", "order chinese food", "get me a beer",
    "take a picture", "record a video", "post this to facebook",
    "how many legs does a spider have", "is it a holiday today", "what's the speed of light",
    "buy tickets for the concert", "what movies are playing nearby", "rate this movie",
)
"""Requests outside the home's domain; also phrase material for the OutOfDomain class."""

OFF_TOPIC_FILL: dict[str, tuple[str, ...]] = {
    "food": ("sandwich", "pizza", "burger", "salad", "cake", "omelette", "smoothie", "taco",
             "milkshake", "pancake", "bagel", "curry", "steak", "cocktail", "martini"),
    "person": ("mom", "dad", "john", "sarah", "my boss", "grandma", "the doctor", "my wife",
               "my husband", "alex", "the plumber", "emma", "my brother", "my sister"),
    "topic": ("the capital of france", "the meaning of life", "the tallest mountain", "a black hole",
              "the population of japan", "photosynthesis", "the speed of sound", "quantum physics",
              "the french revolution", "the best movie ever", "gravity", "the moon landing"),
    "thing": ("batteries", "paper towels", "dog food", "a new phone", "shoes", "toilet paper",
              "a birthday present", "flowers", "groceries", "milk", "eggs", "a lamp", "headphones"),
    "team": ("the lakers", "the yankees", "the warriors", "arsenal", "the patriots", "the giants",
             "real madrid", "the cubs", "the packers", "manchester united"),
}
"""Slot material for off-topic templates."""
