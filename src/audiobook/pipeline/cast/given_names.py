"""Given names whose gender is clear, for characters the text never calls he or she.

Common English given names (and the usual forms in the other languages we read), as novels of
the last two centuries use them. A name on neither list, or on both (Leslie), says nothing.
"""

from __future__ import annotations

_FEMALE = """
abigail ada adela adelaide adele agatha agnes alice alicia amelia amy anastasia angela anna
annabel anne annie antoinette antonia arabella augusta barbara beatrice becky bella bertha
bessie betsy betty blanche brenda bridget caroline catherine cecilia cecily celia charlotte
christina clara clarissa claudia constance cora cordelia daisy diana dinah dolly dora dorothea
dorothy edith edna eleanor elinor eliza elizabeth ella ellen elsie emily emma esther ethel
eugenia eva evelyn fanny flora florence frances georgiana georgina gertrude grace gwendolen
hannah harriet helen helena henrietta hester hilda honoria isabel isabella jane janet jean
jemima jenny jessie joan josephine judith julia juliet kate katharine katherine kathleen kitty
laura lavinia letitia lilian lily lizzie lizzy louisa louise lucy lydia mabel madeleine maggie
margaret maria marian marianne marie marilla martha mary matilda maud maude may meg mildred
millicent minnie miriam molly nancy nell nellie nora olivia pamela patience pauline peggy
penelope philippa phoebe polly priscilla prudence rachel rebecca rose rosa rosamond ruth sally
sarah selina sophia sophie susan susanna sybil sylvia tabitha theresa ursula victoria violet
virginia winifred adèle amélie élise hélène jeanne marguerite mathilde nathalie natasha olga
sonia sonya tatiana vera anya katya masha polina blanche dolores isabel mercedes carmen pilar
lucía maría teresa giulia francesca
"""
_MALE = """
aaron abraham adam adolphus albert alexander alfred algernon ambrose andrew anthony archibald
arthur augustus austin basil benjamin bertram bill billy bob brian cecil charles charley
christopher clarence claude clement conrad cyril daniel david denis dick donald douglas dudley
edgar edmund edward edwin ernest eugene felix ferdinand francis frank frederic frederick gabriel
geoffrey george gerald gilbert godfrey gregory guy harold harry henry herbert horace howard
hubert hugh humphrey isaac jack jacob james jasper jim jimmy joe john jonathan joseph joshua
julian julius laurence lawrence leonard lewis lionel louis luke marcus mark martin matthew
maurice max michael nathaniel ned neville nicholas noah oliver oscar owen patrick paul percy
peter philip ralph raymond reginald richard robert roderick roger ronald rupert samuel sebastian
sidney simon stephen theodore thomas timothy tom tony victor vincent walter wilfred will william
jake bill mike harvey ivan dmitri alexei alexis nikolai pyotr sergei vladimir
fyodor pierre jacques jean henri antoine étienne françois louis juan pedro carlos miguel pablo
diego luis giovanni giuseppe marco luigi pietro hans karl otto heinrich friedrich wilhelm
fritz
"""
FEMALE = frozenset(_FEMALE.split())
MALE = frozenset(_MALE.split())


def gender_of_given(name: str) -> str | None:
    low = name.lower()
    if low in FEMALE and low not in MALE:
        return "female"
    if low in MALE and low not in FEMALE:
        return "male"
    return None
