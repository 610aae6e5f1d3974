"""Numbers in words: Chinese numerals, money in 万元, percentages."""

from bot.incentives.numbers import cn_number, find_percents, parse_money_wan, parse_percent


def test_numbers():
    assert cn_number("三百") == 300
    assert cn_number("两万") == 20000
    assert cn_number("十二") == 12
    assert cn_number("3千万") == 30_000_000
    assert parse_money_wan("RMB 30m") == 3000
    assert parse_money_wan("3000000元") == 300
    assert parse_money_wan("3000") is None  # a bare number is not money in free text
    assert parse_percent("超过50%") == 50.5
    assert [v for _, _, v in find_percents("研发人员占12%，一成立就盈利，八成收入来自批发")] == [
        12,
        80,
    ]
