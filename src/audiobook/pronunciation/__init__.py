"""How the text is said: the written words turned into what a narrator would say (normalise:
dates, times, numbers, abbreviations), the producer's lexicon (respellings and phonemes, by
language and by voice), heteronyms chosen from their sentence, and the words a producer should
hear before a render.

A wing beside readers and engines: it imports only core. Phonemes travel to the engines inside
the text, as `[[ipa]]` blocks (core/phonemes), which every engine says as given.
"""
