"""Every user-facing string of the Telegram bot, in Chinese and English.

Templates are HTML. :func:`t` escapes every value it fills in unless the value is marked
:class:`Html` (a fragment the formatting code built and escaped itself), so nothing from a
document or a user can reach Telegram as markup.
"""

from __future__ import annotations

from html import escape

LANGS = ("zh", "en")


class Html(str):
    """A fragment that is already valid, escaped HTML (``t`` inserts it unchanged)."""

    __slots__ = ()


def esc(value: object) -> str:
    """Escape text for Telegram's HTML parse mode (&, <, >; quotes are safe outside tags)."""
    return escape(str(value), quote=False)


def norm_lang(lang: str | None) -> str:
    """ "zh" for any Chinese language code, else "en"."""
    return "zh" if (lang or "").lower().startswith("zh") else "en"


def t(key: str, lang: str | None, **values: object) -> str:
    """The template ``key`` in ``lang`` with ``values`` escaped and filled in."""
    template = TEXTS[key][norm_lang(lang)]
    if not values:
        return template
    safe = {k: v if isinstance(v, Html) else esc(v) for k, v in values.items()}
    return template.format(**safe)


# Example questions shown as buttons under /start and /help (callback data is their index).
EXAMPLES = {
    "zh": (
        "研发费用加计扣除的比例是多少？",
        "科技成果转化奖励是否纳入绩效工资？",
        "高新技术企业的企业所得税税率是多少？",
    ),
    "en": (
        "What is the R&D expense super-deduction rate?",
        "Are technology transfer rewards counted in the total wage bill?",
        "What income-tax rate do high-tech enterprises pay?",
    ),
}

# (command, zh description, en description): the menu registered with Telegram at start-up.
COMMANDS = (
    ("start", "开始：能回答什么、示例问题", "What I cover, with example questions"),
    ("help", "使用说明", "How to use this bot"),
    ("check", "逐步判断哪些优惠政策适用于您", "Step by step: which incentives apply to you"),
    ("lang", "切换语言（中文 / English）", "Switch language (中文 / English)"),
    ("cancel", "退出当前的政策适用判断", "Leave the eligibility check"),
)
ADMIN_COMMANDS = (
    ("docs", "文档列表（管理员）", "List documents (admins)"),
    ("remove", "删除文档（管理员）：/remove <id>", "Remove a document (admins): /remove <id>"),
    ("stats", "使用统计（管理员）", "Usage statistics (admins)"),
)

TEXTS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ start / help / lang
    "start": {
        "zh": (
            "您好{name}！我是<b>科技政策助手</b>：根据政策原文回答中国科技创新政策的问题，"
            "每个回答都附原文出处；找不到依据时我会直说，不做猜测。\n\n"
            "直接发送问题即可（中文或英文）。/check 可逐步判断哪些优惠政策适用于您。"
        ),
        "en": (
            "Hello{name}! I am <b>policybot</b>: I answer questions about China's science and "
            "technology policy from the policy texts themselves, and every answer quotes its "
            "source. When the texts do not answer a question I say so instead of guessing.\n\n"
            "Just send a question (in English or Chinese). /check walks you through which "
            "incentives apply to you."
        ),
    },
    "help": {
        "zh": (
            "<b>使用说明</b>\n"
            "• 直接发送问题；可以接着追问（例如“那科研院所呢？”），我会结合上一问理解。\n"
            "• 回答下方的编号按钮可查看被引用条款的全文和出处；👍 / 👎 帮助我们改进。\n"
            "• /check 逐步判断优惠政策是否适用；/check new 清除已记录的情况重新开始；"
            "/cancel 随时退出。\n"
            "• /lang 切换中文 / English。\n"
            "• 在群组中，请 @我 或回复我的消息提问。\n"
            "回答仅依据所收录的政策原文，不构成法律或税务意见。"
        ),
        "en": (
            "<b>How to use me</b>\n"
            '• Send a question; follow-ups work too (e.g. "and for research institutes?").\n'
            "• The numbered buttons under an answer open the full clause with its citation; "
            "👍 / 👎 tell us whether the answer helped.\n"
            "• /check works out step by step which incentives apply to you; /check new forgets "
            "what you told me before; /cancel leaves at any time.\n"
            "• /lang switches between English and 中文.\n"
            "• In groups, mention me or reply to one of my messages.\n"
            "Answers rest only on the policy texts I hold; they are not legal or tax advice."
        ),
    },
    "covers_docs": {
        "zh": "<b>收录的政策文件（{n}）</b>",
        "en": "<b>Policy documents I hold ({n})</b>",
    },
    "covers_more": {"zh": "……另有 {n} 份", "en": "… and {n} more"},
    "covers_none": {
        "zh": "（目前还没有收录任何文件。）",
        "en": "(No documents are indexed yet.)",
    },
    "covers_incentives": {
        "zh": "<b>可判断的优惠政策（{n}）</b>",
        "en": "<b>Incentives I can check ({n})</b>",
    },
    "examples": {"zh": "<b>可以这样问：</b>", "en": "<b>Try one of these:</b>"},
    "lang_choose": {
        "zh": "请选择语言。当前：{current}",
        "en": "Choose a language. Now: {current}",
    },
    "lang_auto": {
        "zh": "自动（跟随提问的语言）",
        "en": "automatic (the language of each question)",
    },
    "lang_set_zh": {"zh": "好的，以后用中文回答。", "en": "好的，以后用中文回答。"},
    "lang_set_en": {"zh": "OK, I will answer in English.", "en": "OK, I will answer in English."},
    "lang_set_auto": {
        "zh": "好的，我会用您提问的语言回答。",
        "en": "OK, I will answer in the language of each question.",
    },
    "lang_usage": {
        "zh": "用法：/lang zh、/lang en 或 /lang auto",
        "en": "Usage: /lang zh, /lang en or /lang auto",
    },
    # ------------------------------------------------------------ answers
    "sources": {"zh": "依据（原文摘录）", "en": "Sources (quoted verbatim, in Chinese)"},
    "follow_up": {"zh": "（结合上一问：{previous}）", "en": "(read together with: {previous})"},
    "refusal": {
        "zh": "抱歉，现有政策文件中没有找到能回答这个问题的条款，我不做猜测。"
        "可以换个说法（例如写明政策名称、文号或适用对象）。",
        "en": "Sorry, none of the policy documents I hold answers this question, so I won't "
        "guess. Try rephrasing it (name the policy, its document number or whom it is for).",
    },
    "refusal_topics": {"zh": "可以问问这些主题：", "en": "Topics I can answer about:"},
    "admin_hint": {"zh": "管理员提示：", "en": "For admins: "},
    "refusal_help": {
        "zh": "/help 介绍我能回答什么。",
        "en": "/help shows what I can answer.",
    },
    "not_in_corpus": {"zh": "本库未收录该文件；引自政策目录的摘要", "en": "document not in the corpus; summary from the incentive catalog"},
    "shortened": {
        "zh": "（问题过长，只按前 {n} 个字回答。）",
        "en": "(Your question was long; I answered its first {n} characters.)",
    },
    "empty_question": {
        "zh": "请用文字写下您的问题，例如：{example}",
        "en": "Please write your question in words, for example: {example}",
    },
    "rate_limited": {
        "zh": "您提问太快了，请 {seconds} 秒后再问。（每分钟最多 {n} 个问题）",
        "en": "You are asking faster than I can answer; please wait {seconds} s. "
        "(At most {n} questions a minute.)",
    },
    "feedback_thanks": {"zh": "谢谢您的反馈！", "en": "Thanks for the feedback!"},
    "feedback_gone": {
        "zh": "这条回答已无法评价。",
        "en": "This answer can no longer be rated.",
    },
    # ------------------------------------------------------------ sources
    "clause_gone": {
        "zh": "这一条款已不在资料库中（文件可能已被更新或删除）。请重新提问。",
        "en": "This clause is no longer in the corpus (the document was updated or removed). "
        "Please ask again.",
    },
    "clause_page": {"zh": "第{page}页", "en": "p. {page}"},
    "clause_status": {"zh": "效力：{status}", "en": "Status: {status}"},
    "in_force": {"zh": "现行有效", "en": "in force"},
    "clause_source": {"zh": "来源：{source}", "en": "Source: {source}"},
    # ------------------------------------------------------------ errors
    "apology": {
        "zh": "抱歉，处理您的消息时出了问题。请稍后再试，或换个说法。",
        "en": "Sorry, something went wrong while handling your message. Please try again "
        "in a moment, or rephrase it.",
    },
    "unknown_command": {
        "zh": "我不认识这个命令。/help 查看可用的命令；也可以直接提问。",
        "en": "I don't know that command. /help lists what I can do; or just ask a question.",
    },
    "expired_button": {
        "zh": "这个按钮已过期。",
        "en": "This button has expired.",
    },
    # ------------------------------------------------------------ /check
    "check_intro": {
        "zh": "我来逐步判断哪些优惠政策适用于您。只问还不知道的情况；"
        "不清楚可以点“跳过”，随时可以点“查看结果”或 /cancel 退出。",
        "en": "Let's work out which incentives apply to you. I only ask what I don't know yet; "
        "tap “Skip” if you are not sure, “Show result” at any time, or /cancel to leave.",
    },
    "check_known": {"zh": "已知：{facts}", "en": "Already known: {facts}"},
    "check_forgot": {
        "zh": "已清除之前记录的情况。",
        "en": "I have forgotten what you told me before.",
    },
    "check_scope": {
        "zh": "想判断哪一项优惠？",
        "en": "Which incentive would you like to check?",
    },
    "check_all": {"zh": "全部相关优惠", "en": "All that concern me"},
    "check_question": {
        "zh": "<b>问题 {n}</b>：{question}",
        "en": "<b>Question {n}</b>: {question}",
    },
    "check_type_number": {
        "zh": "请直接输入数字{unit}，例如 {example}。",
        "en": "Type a number{unit}, e.g. {example}.",
    },
    "check_type_percent": {
        "zh": "请输入百分比，例如 80% 或 八成。",
        "en": "Type a percentage, e.g. 80%.",
    },
    "check_type_year": {"zh": "请输入年份，例如 2024。", "en": "Type a year, e.g. 2024."},
    "check_type_choice": {
        "zh": "请点选一个答案（也可以直接输入）。",
        "en": "Tap an answer (or type it).",
    },
    "check_bad_answer": {
        "zh": "没能看懂“{answer}”。{hint}",
        "en": "I could not read “{answer}”. {hint}",
    },
    "check_answered": {"zh": "{question} → {answer}", "en": "{question} → {answer}"},
    "check_skip": {"zh": "跳过", "en": "Skip"},
    "check_skipped": {"zh": "不确定", "en": "not sure"},
    "check_done_button": {"zh": "查看结果", "en": "Show result"},
    "check_result": {"zh": "<b>判断结果</b>", "en": "<b>Result</b>"},
    "check_result_partial": {
        "zh": "部分结论还标为“尚不能判断”：再次发送 /check 可以回答剩下的问题。",
        "en": "Some verdicts still say “cannot tell yet”: send /check again to answer the "
        "remaining questions.",
    },
    "check_disclaimer": {
        "zh": "以上判断依据所收录的政策条文，仅供参考，不构成税务意见。",
        "en": "These verdicts follow the policy texts in the catalog; they are guidance, "
        "not tax advice.",
    },
    "check_cancelled": {
        "zh": "已退出政策适用判断。您告诉我的情况会保留，下次 /check 不再重复询问。",
        "en": "Left the eligibility check. I keep what you told me, so /check will not ask "
        "it again.",
    },
    "check_not_running": {
        "zh": "当前没有进行中的政策适用判断。/check 开始。",
        "en": "There is no eligibility check running. /check starts one.",
    },
    "check_stale": {
        "zh": "这个问题已经回答过了。",
        "en": "That question has already been answered.",
    },
    "check_unavailable": {
        "zh": "抱歉，优惠政策目录暂时无法使用。",
        "en": "Sorry, the incentive catalog is unavailable right now.",
    },
    "check_groups": {
        "zh": "为保护隐私，请在与我的私聊中使用 /check。",
        "en": "To keep your details private, please use /check in a private chat with me.",
    },
    # ------------------------------------------------------------ admin
    "not_admin": {
        "zh": "抱歉，这个功能只对管理员开放。您可以直接向我提问。",
        "en": "Sorry, only administrators can do that. You are welcome to ask me questions.",
    },
    "upload_not_admin": {
        "zh": "谢谢！不过只有管理员可以向资料库添加文件，您发送的文件没有被保存。"
        "如有需要，请联系管理员。",
        "en": "Thank you! Only administrators can add files to the corpus, so your file was "
        "not stored. Please contact an administrator if it should be added.",
    },
    "upload_wrong_type": {
        "zh": "无法处理“{name}”：只接受 PDF、Word（.docx）、TXT、Markdown（.md）和 HTML 文件。",
        "en": "I cannot use “{name}”: send a PDF, Word (.docx), TXT, Markdown (.md) or HTML file.",
    },
    "upload_too_big": {
        "zh": "“{name}”太大（{size}）：最大 {limit}。请压缩或拆分后再发送。",
        "en": "“{name}” is too big ({size}); the limit is {limit}. Send a smaller file or "
        "split it.",
    },
    "upload_reading": {"zh": "正在读取“{name}”……", "en": "Reading “{name}”…"},
    "upload_failed": {
        "zh": "无法读取这个文件，资料库没有变化。\n{reason}",
        "en": "I could not use this file; the corpus is unchanged.\n{reason}",
    },
    "upload_download_failed": {
        "zh": "无法从 Telegram 下载这个文件（{reason}）。请重新发送。",
        "en": "I could not download the file from Telegram ({reason}). Please send it again.",
    },
    "preview": {
        "zh": "<b>预览</b>\n标题：{title}\n文号：{number}\n日期：{date}\n分块：{chunks}\n文件：{name}",
        "en": "<b>Preview</b>\nTitle: {title}\nDocument number: {number}\nDate: {date}\n"
        "Chunks: {chunks}\nFile: {name}",
    },
    "preview_headings": {"zh": "前几个标题：", "en": "First headings:"},
    "preview_none": {"zh": "（无）", "en": "(none)"},
    "preview_new": {"zh": "确认加入资料库吗？", "en": "Add it to the corpus?"},
    "preview_replaces": {
        "zh": "这像是已收录文件的新版本：{old}（{doc_id}）。要替换旧版本吗？",
        "en": "This looks like a new version of {old} ({doc_id}). Replace the old version?",
    },
    "preview_same": {
        "zh": "资料库里已有完全相同的文件：{old}（{doc_id}），无需更改。",
        "en": "The corpus already holds this exact file: {old} ({doc_id}); nothing to do.",
    },
    "btn_confirm": {"zh": "✅ 确认加入", "en": "✅ Confirm"},
    "btn_replace": {"zh": "♻️ 替换旧版本", "en": "♻️ Replace it"},
    "btn_add_separately": {"zh": "➕ 作为新文件加入", "en": "➕ Add as a new document"},
    "btn_cancel": {"zh": "取消", "en": "Cancel"},
    "btn_remove": {"zh": "🗑 确认删除", "en": "🗑 Remove"},
    "upload_cancelled": {
        "zh": "已取消，资料库没有变化。",
        "en": "Cancelled; the corpus is unchanged.",
    },
    "upload_expired": {
        "zh": "这个上传已过期（或机器人已重启），请重新发送文件。",
        "en": "This upload has expired (or the bot restarted); please send the file again.",
    },
    "upload_working": {"zh": "正在写入资料库……", "en": "Adding it to the corpus…"},
    "upload_done": {
        "zh": "已{action}：{title}（{doc_id}，{chunks} 个分块）。",
        "en": "{action}: {title} ({doc_id}, {chunks} chunks).",
    },
    "action_added": {"zh": "加入", "en": "Added"},
    "action_replaced": {"zh": "替换", "en": "Replaced"},
    "action_unchanged": {"zh": "确认（内容未变）", "en": "Unchanged"},
    "action_removed": {"zh": "删除", "en": "Removed"},
    "docs_header": {"zh": "<b>文档（{n}）</b>", "en": "<b>Documents ({n})</b>"},
    "docs_empty": {
        "zh": "资料库是空的。发送文件即可添加。",
        "en": "The corpus is empty. Send me a file to add one.",
    },
    "docs_footer": {
        "zh": "删除：/remove &lt;id&gt;",
        "en": "To remove one: /remove &lt;id&gt;",
    },
    "remove_usage": {
        "zh": "用法：/remove &lt;id&gt;（/docs 列出 id）",
        "en": "Usage: /remove &lt;id&gt; (/docs lists the ids)",
    },
    "remove_unknown": {
        "zh": "没有 id 为“{doc_id}”的文档。/docs 列出所有 id。",
        "en": "There is no document with id “{doc_id}”. /docs lists the ids.",
    },
    "remove_confirm": {
        "zh": "确定要删除 {title}（{doc_id}，{chunks} 个分块）吗？",
        "en": "Remove {title} ({doc_id}, {chunks} chunks)?",
    },
    "remove_cancelled": {
        "zh": "已取消，没有删除任何文件。",
        "en": "Cancelled; nothing was removed.",
    },
    "remove_failed": {
        "zh": "删除失败，资料库没有变化：{reason}",
        "en": "Removing failed; the corpus is unchanged: {reason}",
    },
    "stats_header": {"zh": "<b>使用统计</b>", "en": "<b>Usage</b>"},
    "stats_totals": {
        "zh": "问题：今天 {today}，近 7 天 {week}，近 30 天 {month}，共 {total}",
        "en": "Questions: today {today}, last 7 days {week}, last 30 days {month}, total {total}",
    },
    "stats_refusals": {
        "zh": "未能回答：{rate}（{refused}/{total}）",
        "en": "Refusal rate: {rate} ({refused} of {total})",
    },
    "stats_latency": {"zh": "平均用时：{ms} 毫秒", "en": "Average answer time: {ms} ms"},
    "stats_feedback": {"zh": "反馈：👍 {up}  👎 {down}", "en": "Feedback: 👍 {up}  👎 {down}"},
    "stats_days": {"zh": "<b>每天</b>（近 14 天）", "en": "<b>Per day</b> (last 14 days)"},
    "stats_weeks": {"zh": "<b>每周</b>（近 8 周）", "en": "<b>Per week</b> (last 8 weeks)"},
    "stats_top": {"zh": "<b>常见问题</b>", "en": "<b>Top questions</b>"},
    "stats_none": {"zh": "还没有人提问。", "en": "No questions yet."},
    "stats_chart": {"zh": "近 14 天的问题数", "en": "Questions in the last 14 days"},
}
