"""Loading and validating the catalog: the bundled data, and broken entries written to tmp_path."""

import re
from datetime import date
from pathlib import Path

import pytest

from bot.incentives import CatalogError, load_catalog

SHARED_CORPUS = Path("/work/shared/corpus")

GOOD = """
id = "demo"
audience = ["enterprise"]
name = { zh = "示例", en = "Demo" }
summary = { zh = "示例优惠", en = "A demo incentive" }

[validity]
from = 2016-01-01
basis = { doc_number = "财税〔2015〕119号", article = "四" }

[[conditions]]
fact = "industry"
op = "not_in"
value = ["tobacco", "wholesale_retail"]
when = [{ fact = "main_business_share", op = "gt", value = 50 }]
basis = { doc_number = "财税〔2015〕119号", article = "四" }
reason_met = { zh = "不在负面清单", en = "not on the list" }
reason_failed = { zh = "在负面清单", en = "on the list" }

[[benefits]]
track = "general"
rate_percent = 100
rate_kind = "extra_deduction"
from = 2023-01-01
summary = { zh = "100%", en = "100 %" }
basis = { doc_number = "财政部 税务总局公告2023年第7号", article = "一" }
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    return info.value.problems


# ---------------------------------------------------------------- the bundled catalog


def test_bundled_catalog_loads_in_order(catalog):
    assert catalog.ids[:3] == ("rd-super-deduction", "high-tech-enterprise", "tech-sme")
    assert len(catalog) == 11
    assert catalog.problems == ()
    for entry in catalog:
        assert entry.name.zh and entry.name.en and entry.source == f"{entry.id}.toml"
        assert entry.benefits and entry.validity.period.start is not None


def test_every_rule_rate_and_provision_has_a_basis(catalog):
    for entry in catalog:
        for item in (*entry.conditions, *entry.benefits, *entry.provisions):
            assert item.basis, entry.id
            for b in item.basis:
                assert b.doc_number or b.title
                assert b.article or b.unconfirmed


def test_unconfirmed_facts_are_marked_in_the_data(catalog):
    def bases(entry_id):
        e = catalog.get(entry_id)
        items = (*e.conditions, *e.benefits, *e.provisions)
        return {b.doc_number or b.title: b for i in items for b in i.basis}

    rd = bases("rd-super-deduction")
    assert rd["财政部 税务总局公告2021年第6号"].unconfirmed  # date and article not verified
    assert not rd["财政部 税务总局公告2023年第7号"].unconfirmed
    assert bases("service-invention-ownership")["国科发区〔2020〕128号"].unconfirmed
    assert bases("transfer-reward-pay-cap")["国发〔2016〕16号"].unconfirmed
    assert bases("transfer-reward-pay-cap")["人社部发〔2021〕14号"].unconfirmed
    assert bases("angel-investor")["财政部 税务总局公告2022年第6号"].unconfirmed
    assert catalog.get("equity-incentive-deferral").validity.unconfirmed  # 2016-09-01 or -16?
    swjtu = next(
        p for p in catalog.get("service-invention-ownership").provisions if p.id == "swjtu"
    )
    assert swjtu.unconfirmed and "7:3" in swjtu.basis[0].note.zh


def test_2023_notice_ends_the_repealed_rates(catalog):
    ends = {b.basis[0].doc_number: b.period.end for b in catalog.get("rd-super-deduction").benefits}
    assert ends["财政部 税务总局公告2021年第13号"] == date(2022, 12, 31)
    assert ends["财政部 税务总局 科技部公告2022年第16号"] == date(2022, 12, 31)
    assert ends["财政部 税务总局 科技部公告2022年第28号"] == date(2022, 12, 31)
    assert ends["财政部 税务总局公告2023年第7号"] is None


def test_overseas_outsourcing_rules_by_period(catalog):
    provisions = {p.id: p for p in catalog.get("rd-super-deduction").provisions}
    before, after = (
        provisions["overseas-outsourcing-before-2018"],
        provisions["overseas-outsourcing"],
    )
    assert before.period.end == date(2017, 12, 31) and "不得加计扣除" in before.text.zh
    assert after.period.start == date(2018, 1, 1)
    assert "三分之二" in after.text.zh and "80%" in after.text.zh and "个人" in after.text.zh


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="shared corpus not available")
def test_citations_use_the_corpus_document_numbers(catalog):
    numbers = set()
    for f in SHARED_CORPUS.glob("*.md"):
        m = re.search(r'^doc_number: "(.+)"$', f.read_text(encoding="utf-8"), re.MULTILINE)
        if m:
            numbers.add(m.group(1))
    cited = {
        b.doc_number
        for e in catalog
        for i in (*e.conditions, *e.benefits, *e.provisions)
        for b in i.basis
        if b.doc_number
    }
    for expected in (
        "财税〔2015〕119号",
        "国家税务总局公告2015年第97号",
        "财税〔2018〕99号",
        "财政部 税务总局公告2023年第7号",
        "财政部 税务总局公告2021年第13号",
        "国科发火〔2016〕32号",
        "国科发政〔2017〕115号",
        "财税〔2018〕55号",
        "财税〔2017〕34号",
    ):
        assert expected in numbers and expected in cited


# ---------------------------------------------------------------- broken entries


def test_good_entry_loads(tmp_path):
    catalog = load_catalog(write(tmp_path, GOOD))
    entry = catalog.get("demo")
    assert entry.conditions[0].test.value == ("tobacco", "wholesale_retail")
    assert entry.benefits[0].rate_percent == 100


def test_unknown_operator_names_file_entry_and_field(tmp_path):
    write(tmp_path, GOOD.replace('op = "not_in"', 'op = "greater"'))
    assert problems(tmp_path) == [
        "demo.toml: entry 'demo': field 'conditions[0].op': unknown operator 'greater'; use one of eq, ne, in, "
        "not_in, gt, ge, lt, le, is_true, is_false"
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            'fact = "industry"',
            'fact = "industri"',
            "conditions[0].fact",
            "unknown fact 'industri'; did you mean industry",
        ),
        (
            '"wholesale_retail"]',
            '"wholesale"]',
            "conditions[0].value[1]",
            "'wholesale' is not a value of 'industry'",
        ),
        (
            'op = "not_in"\nvalue = ["tobacco", "wholesale_retail"]',
            'op = "gt"\nvalue = 3',
            "conditions[0].op",
            "'gt' compares numbers; 'industry' is enum",
        ),
        (
            'op = "gt", value = 50',
            'op = "gt", value = 150',
            "conditions[0].when[0].value",
            "150 is not a percentage",
        ),
        (
            "from = 2016-01-01",
            'from = "2016-13-01"',
            "validity.from",
            "not a date: '2016-13-01'; write YYYY-MM-DD",
        ),
        (
            'name = { zh = "示例", en = "Demo" }',
            'name = { zh = "示例" }',
            "name.en",
            "missing or empty",
        ),
        (
            'basis = { doc_number = "财政部 税务总局公告2023年第7号", article = "一" }\n',
            "\n",
            "benefits[0].basis",
            "missing legal basis",
        ),
        (
            'doc_number = "财政部 税务总局公告2023年第7号", article = "一"',
            'doc_number = "财政部 税务总局公告2023年第7号"',
            "benefits[0].basis.article",
            "missing; give the article",
        ),
        (
            'track = "general"',
            'track = "manufacturing"',
            "benefits[0].track",
            "unknown track 'manufacturing'",
        ),
        (
            'rate_kind = "extra_deduction"',
            'rate_kind = "bonus"',
            "benefits[0].rate_kind",
            "unknown kind 'bonus'",
        ),
        (
            "from = 2023-01-01",
            "from = 2023-01-01\nto = 2022-01-01",
            "benefits[0].to",
            "is before from",
        ),
        (
            'audience = ["enterprise"]',
            'audience = ["students"]',
            "audience[0]",
            "unknown audience 'students'",
        ),
        (
            'reason_failed = { zh = "在负面清单", en = "on the list" }\n',
            "\n",
            "conditions[0].reason_failed",
            "missing",
        ),
        (
            "[[conditions]]\n",
            "[[conditions]]\nvalid_form = 2016-01-01\n",
            "conditions[0].valid_form",
            "unknown field; did you mean 'valid_from'?",
        ),
        ('id = "demo"', 'id = "other"', "id", "'other' does not match the file name 'demo.toml'"),
    ],
)
def test_broken_entries(tmp_path, old, new, field, message):
    assert old in GOOD
    write(tmp_path, GOOD.replace(old, new, 1))
    found = problems(tmp_path)
    assert any(
        p.startswith("demo.toml: entry '") and f"field '{field}': " in p and message in p
        for p in found
    ), found


def test_is_true_takes_no_value_and_needs_a_yes_no_fact(tmp_path):
    write(
        tmp_path,
        GOOD.replace('op = "not_in"\nvalue = ["tobacco", "wholesale_retail"]', 'op = "is_true"'),
    )
    assert problems(tmp_path) == [
        "demo.toml: entry 'demo': field 'conditions[0].op': 'is_true' needs a yes/no fact; 'industry' is enum"
    ]


def test_all_problems_are_reported_together(tmp_path):
    write(
        tmp_path,
        GOOD.replace('op = "not_in"', 'op = "greater"').replace(
            "from = 2016-01-01", 'from = "soon"'
        ),
    )
    found = problems(tmp_path)
    assert len(found) == 2
    assert "field 'validity.from'" in found[0] or "field 'validity.from'" in found[1]


def test_ids_cannot_repeat_because_they_must_match_file_names(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace('id = "demo"', 'id = "demo2"'), "demo2.toml")
    write(tmp_path, GOOD.replace('id = "demo"', 'id = "demo2"'), "demo3.toml")
    found = problems(tmp_path)
    assert (
        "demo3.toml: entry 'demo2': field 'id': 'demo2' does not match the file name 'demo3.toml'"
        in found[0]
    )


def test_invalid_toml_names_the_file(tmp_path):
    write(tmp_path, GOOD + "\nthis is = = not toml\n")
    [problem] = problems(tmp_path)
    assert problem.startswith("demo.toml: not a valid UTF-8 TOML file:")


def test_non_strict_load_skips_broken_entries(tmp_path):
    write(tmp_path, GOOD)
    write(
        tmp_path,
        GOOD.replace('id = "demo"', 'id = "bad"').replace('op = "not_in"', 'op = "greater"'),
        "bad.toml",
    )
    catalog = load_catalog(tmp_path, strict=False)
    assert catalog.ids == ("demo",)
    assert catalog.problems == (
        "bad.toml: entry 'bad': field 'conditions[0].op': unknown operator 'greater'; use one of eq, ne, in, "
        "not_in, gt, ge, lt, le, is_true, is_false",
    )


def test_missing_folder(tmp_path):
    with pytest.raises(CatalogError, match="incentive catalog folder not found"):
        load_catalog(tmp_path / "nope")


def test_unknown_incentive_id(catalog):
    with pytest.raises(CatalogError, match="no incentive 'rd'; known: rd-super-deduction"):
        catalog.get("rd")
