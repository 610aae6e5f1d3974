"""The /check dialogue — offline bot: questions, typed answers, skips, results, persistence."""

from __future__ import annotations

from typing import Any

from tests.bot.telegram.htmlcheck import html_problems
from tests.bot.telegram.offline import USER, OfflineBot, buttons

ZH_USER = {**USER, "language_code": "zh-hans"}


def last(bot: OfflineBot) -> dict[str, Any]:
    return bot.request.sent()[-1]


def data_of(message: dict[str, Any], label: str) -> str:
    for text, data in buttons(message.get("reply_markup")):
        if text == label:
            return data
    raise AssertionError(f"no button {label!r} in {buttons(message.get('reply_markup'))}")


async def tap(bot: OfflineBot, message: dict[str, Any], label: str, **kw: Any) -> None:
    await bot.press(data_of(message, label), on=message, **kw)


def test_dialogue_asks_step_by_step_and_ends_with_the_verdict(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/check", user=ZH_USER)
        intro, question = bot.request.sent()
        assert intro["text"].startswith("我来逐步判断哪些优惠政策适用于您。")
        assert (
            question["text"]
            == "<b>问题 1</b>：您是以什么身份咨询？\n<i>请点选一个答案（也可以直接输入）。</i>"
        )
        assert buttons(question["reply_markup"])[-2:] == [
            ("跳过", "chk:skip:entity_type"),
            ("查看结果", "chk:done"),
        ]
        await tap(bot, question, "科研人员/员工个人", user=ZH_USER)
        edit = bot.request.sent("editMessageText")[-1]
        assert edit["text"] == "您是以什么身份咨询？ → 科研人员/员工个人"
        scope = last(bot)
        assert scope["text"] == "想判断哪一项优惠？"
        assert ("全部相关优惠", "chk:scope:*") in buttons(scope["reply_markup"])
        await bot.press("chk:scope:transfer-reward-pay-cap", on=scope, user=ZH_USER)
        for answer in ("公办高校", "成果转化现金奖励", "北京"):
            question = last(bot)
            assert question["text"].startswith("<b>问题 ")
            await tap(bot, question, answer, user=ZH_USER)
        result = last(bot)["text"]
        assert result.startswith("<b>判断结果</b>")
        assert "<b>✅ 成果转化奖励不受工资总额限制：适用</b>" in result
        assert "《促进科技成果转化法》第四十五条第三款" in result
        assert "下一个问题" not in result
        assert result.endswith("<i>以上判断依据所收录的政策条文，仅供参考，不构成税务意见。</i>")
        assert html_problems(result) == []
        facts = bot.application.chat_data[USER["id"]]["conversation"]["facts"]
        assert facts["entity_type"] == "researcher" and facts["province"] == "beijing"

    drive(scenario)


def test_typed_numbers_are_parsed_and_bad_answers_get_a_hint(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/check")
        await tap(bot, last(bot), "an enterprise")
        await bot.press("chk:scope:tech-sme", on=last(bot))
        await tap(bot, last(bot), "no")
        asked = last(bot)["text"]
        assert asked == (
            "<b>Question 3</b>: How many employees does the enterprise have?\n"
            "<i>Type a number (people), e.g. 300.</i>"
        )
        await bot.send("lots of them")
        assert (
            last(bot)["text"]
            == "I could not read “lots of them”. Type a number (people), e.g. 300."
        )
        await bot.send("三百")
        assert last(bot)["text"] == (
            "<b>Question 4</b>: What were the enterprise's annual sales (in 万元)?\n"
            "<i>Type a number in 10,000 yuan (万元), e.g. 5000.</i>"
        )
        facts = bot.application.chat_data[USER["id"]]["conversation"]["facts"]
        assert facts["employees"] == 300 and facts["is_tech_sme"] is False

    drive(scenario)


def test_skipped_facts_are_not_asked_again_and_result_is_available_any_time(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/check")
        await tap(bot, last(bot), "an enterprise")
        await bot.press("chk:scope:tech-sme", on=last(bot))
        first = last(bot)
        assert "tech-based SME" in first["text"]
        await tap(bot, first, "Skip")
        assert bot.request.sent("editMessageText")[-1]["text"].endswith("→ not sure")
        second = last(bot)
        assert "tech-based SME" not in second["text"]
        await tap(bot, second, "Show result")
        result = last(bot)["text"]
        assert result.startswith("<b>Result</b>")
        assert "cannot tell yet" in result
        assert "<i>Some verdicts still say “cannot tell yet”: send /check again" in result
        await tap(bot, second, "Skip")  # the dialogue is over
        assert bot.request.sent("answerCallbackQuery")[-1]["text"] == (
            "There is no eligibility check running. /check starts one."
        )

    drive(scenario)


def test_facts_from_earlier_messages_are_not_asked(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.send("我们是一家制造业企业，研发费用能加计扣除吗？")
        bot.request.clear()
        await bot.command("/check")
        intro, scope = bot.request.sent()
        assert "已知：主体类型：企业；主营行业：制造业" in intro["text"]
        assert scope["text"] == "想判断哪一项优惠？"
        await bot.press("chk:scope:rd-super-deduction", on=scope)
        question = last(bot)["text"]
        assert question.startswith("<b>问题 1</b>：")
        assert "身份" not in question and "行业" not in question

    drive(scenario)


def test_check_new_forgets_and_check_with_words_reads_them(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.send("我们是一家制造业企业，研发费用能加计扣除吗？")
        await bot.command("/check new")
        intro = bot.request.sent()[-2]["text"]
        assert "已清除之前记录的情况。" in intro
        assert "您是以什么身份咨询" in last(bot)["text"]
        assert bot.application.chat_data[USER["id"]]["conversation"]["facts"] == {}
        await bot.command("/check 我是高校的科研人员")
        assert "已知：主体类型：科研人员/员工个人" in bot.request.sent()[-2]["text"]

    drive(scenario)


def test_cancel_stale_buttons_and_groups(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/cancel")
        assert last(bot)["text"] == "There is no eligibility check running. /check starts one."
        await bot.command("/check")
        question = last(bot)
        await bot.press("chk:a:industry:0", on=question)  # not the pending question
        assert bot.request.sent("answerCallbackQuery")[-1]["text"] == (
            "That question has already been answered."
        )
        await bot.command("/cancel")
        assert last(bot)["text"].startswith("Left the eligibility check. I keep what you told me")
        await tap(bot, question, "an enterprise")
        assert bot.request.sent("answerCallbackQuery")[-1]["text"].startswith(
            "There is no eligibility check running."
        )
        group = {"id": -100900, "type": "group", "title": "g"}
        await bot.command("/check", chat=group)
        assert last(bot)["text"] == (
            "To keep your details private, please use /check in a private chat with me."
        )

    drive(scenario)


def test_a_real_question_leaves_the_dialogue(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/check")
        await bot.send("What is the R&D expense super-deduction rate?")
        reply = last(bot)
        assert any(d.startswith("fb:") for _, d in buttons(reply["reply_markup"]))
        await bot.send("yes")  # no longer an answer to the dialogue: a (refused) question
        assert "I could not read" not in last(bot)["text"]

    drive(scenario)


def test_the_dialogue_survives_a_restart(drive) -> None:
    async def first(bot: OfflineBot) -> dict[str, Any]:
        await bot.command("/check")
        return last(bot)

    question = drive(first)

    async def second(bot: OfflineBot) -> None:
        await tap(bot, question, "a researcher or employee (individual)")
        assert last(bot)["text"] == "Which incentive would you like to check?"

    drive(second)


def test_stale_stored_facts_are_ignored(drive) -> None:
    async def scenario(bot: OfflineBot) -> None:
        await bot.send("hello")  # creates the chat's conversation
        facts = bot.application.chat_data[USER["id"]]["conversation"]["facts"]
        facts.update({"retired_fact": 1, "employees": "many", "entity_type": "researcher"})
        await bot.command("/check")
        assert "Already known: who is asking: a researcher" in bot.request.sent()[-2]["text"]
        assert last(bot)["text"] == "Which incentive would you like to check?"
        await bot.press("chk:scope:*", on=last(bot))
        assert last(bot)["text"].startswith("<b>Question 1</b>: ")

    drive(scenario)
