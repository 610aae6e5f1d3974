"""The answer pipeline, one way, each stage reading what the one before produced:

    question.understand → Question        (language, kind, topics, sub-questions, facts, figures)
    retrieve (Searcher)  → evidence.Evidence (hits, support, validity)
    decide / rules/      → decide.Decision   (the catalog's rules for the asked year: rates,
                                              amounts, verdicts, each with its legal basis)
    coverage             → Coverage          (does the corpus regulate what the question is about?)
    compose / cite       → Answer            (conclusion first, the clauses that prove it, quoted whole)

``bot.answer.Answerer`` runs the stages; ``bot.render`` and the faces turn an ``Answer`` into text.
"""
