"""The words the cast reads tags with: verbs of speaking, pronouns, titles, described people,
capitalised words that are never names, crowds. English first, then the other languages we read.
Plain data: `tags` and `roster` use it."""

from __future__ import annotations

# Verbs of speaking, in the forms a tag uses (past and present). English first; then French,
# German, Spanish, Italian, Portuguese and Russian, the languages with most dialogue we read.
_ENGLISH_VERBS = """
said says say cried cries replied replies answered answers asked asks exclaimed exclaims returned
returns continued continues added adds observed observes remarked remarks rejoined rejoins
repeated repeats whispered whispers shouted shouts called calls murmured murmurs muttered mutters
began begins resumed resumes interrupted interrupts interposed declared declares insisted
insists retorted retorts protested protests responded responds explained explains suggested
suggests demanded demands inquired inquires enquired enquires urged urges pleaded pleads sighed
sighs laughed laughs groaned groans sobbed sobs screamed screams yelled yells roared roars
growled growls snapped snaps stammered stammers faltered falters admitted admits agreed agrees
assented assents concluded concludes persisted persists pursued pursues thought thinks wrote
writes told tells echoed echoes gasped gasps hissed hisses panted pants breathed breathes
grumbled grumbles complained complains announced announces ventured ventures reflected reflects
mused muses conceded concedes acknowledged acknowledges assured assures warned warns commanded
commands ordered orders begged begs entreated entreats implored implores proposed proposes
objected objects corrected corrects confessed confesses lamented laments boasted boasts chuckled
chuckles smiled smiles nodded nods sneered sneers scoffed scoffs stuttered stutters wailed wails
moaned moans howled howls bellowed bellows shrieked shrieks squeaked squeaks squealed squeals
grunted grunts drawled drawls lisped lisps mumbled mumbles babbled babbles blurted blurts
chimed chimes piped pipes prompted prompts queried queries questioned questions reasoned reasons
recalled recalls remembered repeated reported reports resolved retorted sang sings soothed
soothes stated states teased teases threatened threatens joked jokes grinned grins cautioned
cautions comforted comforts consented consents contended contends countered counters
demurred demurs directed directs hazarded hazards hinted hints informed informs instructed
interjected interjects maintained maintains noted notes offered offers pointed pressed presses
promised promises put quoth rapped raps read reads repeated replied said shouted spoke speaks
stormed storms volunteered volunteers wondered wonders
"""
_OTHER_VERBS = """
dit dis répondit répond demanda demande reprit reprend ajouta ajoute murmura murmure cria crie
fit fait s'écria s'écrie continua continue déclara déclare répliqua réplique interrompit
sagte sagt fragte fragt antwortete antwortet rief ruft meinte meint flüsterte flüstert erwiderte
erwidert entgegnete entgegnet fuhr schrie schreit
dijo dice preguntó pregunta respondió responde contestó contesta exclamó exclama gritó grita
añadió añade murmuró murmura repuso replicó replica
disse dice chiese chiede rispose risponde esclamò esclama gridò grida aggiunse aggiunge mormorò
perguntou respondeu exclamou gritou acrescentou
сказал сказала сказали ответил ответила спросил спросила крикнул крикнула проговорил
проговорила прошептал прошептала воскликнул воскликнула продолжал продолжала добавил добавила
заметил заметила возразил возразила закричал закричала
"""
SPEECH_VERBS = frozenset((_ENGLISH_VERBS + _OTHER_VERBS).split())
# Two-word verbs whose second word follows the speaker or the verb ("went on", "broke in").
PARTICLES = {"on", "in", "out", "up", "back", "again", "aloud", "softly", "quietly"}

PRONOUNS = {
    "he": "male", "she": "female", "i": "I", "il": "male", "elle": "female", "er": "male",
    "sie": None, "él": "male", "ella": "female", "lui": "male", "lei": "female",
    "он": "male", "она": "female", "я": "I", "je": "I", "ich": "I", "yo": "I", "io": "I",
    "we": None, "they": None, "you": None,
}  # fmt: skip
# Titles before a name, and what they say of a person's gender (None: either).
TITLES = {
    "mr": "male", "mrs": "female", "ms": "female", "miss": "female", "dr": None, "sir": "male",
    "lady": "female", "lord": "male", "madame": "female", "mme": "female", "madam": "female",
    "monsieur": "male", "m": "male", "mlle": "female", "mademoiselle": "female",
    "colonel": "male", "captain": "male", "capt": "male", "major": "male", "general": "male",
    "professor": None, "prof": None, "aunt": "female", "uncle": "male", "father": "male",
    "mother": "female", "brother": "male", "sister": "female", "cousin": None,
    "reverend": "male", "rev": "male", "inspector": "male", "sergeant": "male",
    "count": "male", "countess": "female", "baron": "male", "baroness": "female",
    "duke": "male", "duchess": "female", "prince": "male", "princess": "female",
    "king": "male", "queen": "female", "master": "male", "mistress": "female",
    "herr": "male", "frau": "female", "fräulein": "female", "señor": "male",
    "señora": "female", "señorita": "female", "don": "male", "doña": "female",
    "signor": "male", "signora": "female", "signorina": "female", "dona": "female",
    "granny": "female", "grandpa": "male", "grandma": "female", "nurse": "female",
    "judge": None, "doctor": None, "mister": "male", "missus": "female",
}  # fmt: skip
# Nouns a described speaker may be ("said the old man"), and the gender they say.
NOUN_GENDER = {
    "man": "male", "woman": "female", "lady": "female", "gentleman": "male", "girl": "female",
    "boy": "male", "wife": "female", "husband": "male", "mother": "female", "father": "male",
    "son": "male", "daughter": "female", "brother": "male", "sister": "female", "aunt": "female",
    "uncle": "male", "fellow": "male", "lad": "male", "lass": "female", "maid": "female",
    "widow": "female", "mistress": "female", "master": "male", "gentlemen": None,
    "sir": "male", "madam": "female", "niece": "female", "nephew": "male", "king": "male",
    "queen": "female", "landlady": "female", "landlord": "male", "host": "male",
    "hostess": "female", "friend": None, "companion": None, "stranger": None, "other": None,
    "servant": None, "doctor": None, "child": None, "visitor": None, "voice": None,
}  # fmt: skip
# "said the beadle": words that end such a description ("the beadle to Oliver", "the beadle
# with a sigh"), and words after "the" that are no one's description ("said the latter").
AFTER_DESCRIPTION = {
    "to", "with", "in", "who", "and", "as", "at", "from", "of", "on", "for", "again", "then",
    "now", "was", "had", "did", "would", "could", "but", "that", "which", "whose", "whom", "upon",
    "by",
}  # fmt: skip
NOT_DESCRIPTIONS = frozenset(
    """
    latter former same rest whole next last first second third elder younger eldest youngest two
    three both one all most old young little poor other others new good great dear more less very
    only party company family crowd people men women ladies gentlemen children girls boys voice
    voices words answer reply question thing word way end news letter note matter truth idea story
    """.split()  # noqa: SIM905
)
DETERMINERS = {"the", "his", "her", "my", "a", "an", "their", "our", "your", "this", "that"}
# Capitalised words that are not names, wherever they stand.
NOT_NAMES = frozenset(
    """
    The A An And But Or Then Oh O Ah Yes No Well So Now Why How What When Where Who Whom Which
    Not Nay Aye Indeed Perhaps Still Yet If As At In On Of To For From With By After Before He
    She It They We You I His Her Its Their Our Your My Me Him Them Us This That These Those
    There Here Come Go Let Do Does Did Is Are Was Were Be Been Have Has Had Will Would Shall
    Should Can Could May Might Must Good Dear Poor Pray Please Thank Thanks Sir Madam Ma'am God
    Lord Heaven Heavens Christ Jesus Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April June July August September October November December Chapter
    Book Part Volume CHAPTER Mamma Papa Mama Mother Father Everyone Everybody Nobody Somebody
    Someone Anyone Anybody Nothing Something All Both Each Every Some Any None One Two Three
    First Last Another Other Others Most Many Few Such Very Only Just Even Also Too Again Once
    Never Always Often Soon Later Meanwhile Presently Suddenly Afterwards Hm Hum Voice Hush Alas
    Hello Hullo Goodbye Good-bye Ha Eh Hey Hallo Ay English French Hence Thus Therefore However
    Nevertheless Besides Instead Otherwise Accordingly Moreover Finally Aloud Rather Somehow
    """.split()  # noqa: SIM905
)
# Crowds and the unnamed: never a character.
CROWDS = {"another", "others", "someone", "somebody", "everyone", "everybody", "all", "they",
          "we", "you", "voices", "voice", "crowd", "men", "women", "people", "both", "several",
          "one", "some", "many", "few", "each"}  # fmt: skip
