"""CLI commands beyond retrieval: ask, chat, check, incentives, run."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from . import cli
from .conversation import Conversation

if TYPE_CHECKING:
    from .app import App


def cmd_ask(app: App, args: argparse.Namespace) -> int:
    from .answer import clean_question

    question, cut = clean_question(args.question, app.settings.limits.max_question_chars)
    if not question:
        print("policybot: the question is empty — ask something like "
              "\"研发费用加计扣除的比例是多少？\"", file=sys.stderr)
        return cli.EXIT_USAGE
    if cut:
        print(f"(the question was cut to its first {cut} characters)", file=sys.stderr)
    answer = app.answerer.answer(question, lang=args.lang)
    if args.json:
        cli._print_json(answer.to_json())
    else:
        print(answer.text)
    return cli.EXIT_OK


def cmd_chat(app: App, args: argparse.Namespace) -> int:
    """An interactive terminal conversation with the engine the Telegram bot uses."""
    from .answer import clean_question

    conv = Conversation(lang=args.lang)
    docs = app.index.registry.documents()
    print(f"policybot — {len(docs)} documents indexed. Ask in Chinese or English; "
          "/lang zh|en|auto switches language, /reset forgets the conversation, /quit leaves.")
    while True:
        try:
            line = input("\n? ").strip()
        except EOFError:
            print()
            return cli.EXIT_OK
        if line in ("/quit", "/exit", "/q"):
            return cli.EXIT_OK
        if line == "/reset":
            conv = Conversation(lang=conv.lang)
            print("(conversation cleared)")
            continue
        if line.startswith("/lang"):
            choice = line.split(maxsplit=1)[1:] or ["auto"]
            conv.lang = None if choice[0] == "auto" else choice[0][:2]
            print(f"(language: {conv.lang or 'auto'})")
            continue
        line, cut = clean_question(line, app.settings.limits.max_question_chars)
        if not line:
            continue
        if cut:
            print(f"(cut to the first {cut} characters)")
        shown = 0
        final = None
        for event in app.answerer.stream(line, conv):
            if isinstance(event, str):
                sys.stdout.write(event[shown:])
                sys.stdout.flush()
                shown = len(event)
            else:
                final = event
        if shown:
            print("\n")
        if final is not None:
            print(final.text)


def cmd_check(app: App, args: argparse.Namespace) -> int:
    from .incentives.engine import evaluate
    from .incentives.extraction import extract_facts
    from .incentives.registry import FactError, parse_fact_assignment
    from .incentives.render import render_report

    facts: dict[str, object] = {}
    if args.text:
        facts.update(extract_facts(args.text))
    try:
        for item in args.fact or []:
            name, value = parse_fact_assignment(item)
            facts[name] = value
    except FactError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return cli.EXIT_USAGE
    report = evaluate(app.catalog, facts, year=args.year)
    if args.json:
        cli._print_json(report.to_json(lang=args.lang or "en"))
    else:
        print(render_report(report, args.lang or "zh"))
    return cli.EXIT_OK


def cmd_incentives(app: App, args: argparse.Namespace) -> int:
    from .incentives.render import catalog_to_json, render_catalog

    if args.json:
        cli._print_json(catalog_to_json(app.catalog))
    else:
        print(render_catalog(app.catalog, args.lang or "zh"))
    return cli.EXIT_OK


def cmd_run(app: App, args: argparse.Namespace) -> int:
    """The Telegram bot when a token is set; otherwise the terminal chat, saying so."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        if args.webhook:
            print("policybot: --webhook needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
            return cli.EXIT_USAGE
        print(
            "TELEGRAM_BOT_TOKEN is not set: starting the terminal chat on the indexed corpus instead.\n"
            "(Set TELEGRAM_BOT_TOKEN to run the Telegram bot.)",
            file=sys.stderr,
        )
        args.lang = None
        return cmd_chat(app, args)
    from .telegram.application import run_bot

    return run_bot(app, token, webhook=args.webhook, base_url=args.base_url, emulator=args.emulator)


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("ask", help="answer a question with cited clauses")
    s.add_argument("question")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=["zh", "en"], help="answer language (default: the question's)")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("chat", help="interactive terminal conversation (follow-ups included)")
    s.add_argument("--lang", choices=["zh", "en"])
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("check", help="which incentives apply, with reasons and citations")
    s.add_argument("--fact", action="append", metavar="NAME=VALUE", help="a known fact (repeatable)")
    s.add_argument("--text", help="words about the asker or a question, e.g. '我们是一家批发公司'")
    s.add_argument("--year", type=int, help="tax year (default: this year)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=["zh", "en"])
    s.set_defaults(func=cmd_check, auto_corpus=False)

    s = sub.add_parser("incentives", help="the incentive catalog, with validity")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=["zh", "en"])
    s.set_defaults(func=cmd_incentives, auto_corpus=False)

    s = sub.add_parser("run", help="run the Telegram bot (terminal chat when no token is set)")
    s.add_argument("--webhook", action="store_true", help="serve a webhook instead of polling")
    s.add_argument("--base-url", help="Bot API base URL (self-hosted server or emulator)")
    s.add_argument("--emulator", action="store_true",
                   help="talk to the telegram-test-api emulator (patches its API differences)")
    s.set_defaults(func=cmd_run)


cli._EXTRA_COMMANDS.append(register)
