"""The call page: the conversation with matched words marked, context from neighbouring lines only, the
timeline's lanes, the outcome after review, notes and 终审 reasoning for everyone who sees the call,
and 提交并下一条. (Keys and decisions in place run in Chromium: test_review_keys.py.)"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from callqa.audio.waveform import Waveform
from callqa.review import accounts, workflow
from callqa.rules import load_default_pack
from callqa.store.models import User
from callqa.web.call_page import conversation, lanes, locate, mark_class, marked_parts, neighbours, overlaps
from tests.fakes import add_scripted_call
from tests.web.accounts_app import make_env, password, signed_in

THREAT = [
    ("agent", "您好，我是安和金融的催收员小李，工号1023，请问是赵磊先生吗？"),
    ("customer", "是我。"),
    ("agent", "你再不还钱，你孩子以后就不能上学，也考不了公务员。"),
    ("customer", "你别吓唬我。"),
]
ABUSE = [("agent", "您好，我是安和金融的催收员小李，工号1023。"), ("agent", "你这个老赖，真不要脸。")]


def line(speaker: str, start: float, end: float, text: str) -> dict[str, object]:
    return {"speaker": speaker, "start_s": start, "end_s": end, "text": text}


def hit(id_: int, speaker: str, start: float, end: float, text: str, **more: object) -> dict[str, object]:
    return {"id": id_, "speaker": speaker, "start_s": start, "end_s": end, "text": text, "severity": "high",
            "decision": None} | more  # fmt: skip


# --- pure functions --------------------------------------------------------------------------------


def test_words_are_marked_where_they_were_said() -> None:
    said = line("agent", 10.0, 20.0, "还钱还钱，快还钱")
    late = hit(1, "agent", 18.0, 19.0, "还钱")  # the third 还钱, by its time
    assert locate(said["text"], "还钱", said, late) == 6  # type: ignore[arg-type]
    assert locate(said["text"], "还钱", said, hit(2, "agent", 10.0, 11.0, "还钱")) == 0  # type: ignore[arg-type]
    assert locate(said["text"], "不在", said, late) is None  # type: ignore[arg-type]
    assert marked_parts("你再不还钱", [(2, 5, 7), (3, 5, 8)]) == [
        ("你再", ()),
        ("不", (7,)),
        ("还钱", (7, 8)),
    ]
    assert not overlaps(hit(1, "customer", 12.0, 13.0, "还钱"), said)  # another speaker
    assert overlaps(hit(1, "agent", 15.0, 15.0, ""), said)  # no duration, inside


def test_the_conversation_marks_each_hit_in_its_own_line() -> None:
    lines = [
        line("agent", 0, 5, "我是他同事"),
        line("agent", 6, 9, "他欠钱不还"),
        line("customer", 6, 9, "欠钱"),
    ]
    hits = [hit(1, "agent", 6.0, 7.2, "他欠钱"), hit(2, "agent", 7.0, 8.0, "欠钱不还")]
    talk = conversation(lines, hits)
    assert talk[0]["parts"] == [("我是他同事", ())] and talk[0]["hits"] == []
    assert talk[1]["parts"] == [("他", (1,)), ("欠钱", (1, 2)), ("不还", (2,))] and talk[1]["hits"] == [1, 2]
    assert talk[2]["parts"] == [("欠钱", ())]  # the customer's words are not the agent's hit
    by_id = {h["id"]: h for h in hits}
    assert mark_class((1, 2), by_id) == "sev-high many"
    by_id[1]["decision"] = by_id[2]["decision"] = "false_positive"
    assert mark_class((1,), by_id) == "sev-high dismissed"
    by_id[2] |= {"decision": "confirmed", "severity": "critical"}
    assert mark_class((1, 2), by_id) == "sev-critical many"


def test_context_is_the_neighbouring_lines_only() -> None:
    lines = [line("agent" if k % 2 else "customer", 3.0 * k, 3.0 * k + 2.5, f"第{k}句") for k in range(40)]
    assert neighbours(lines, hit(1, "agent", 63.5, 64.0, "第21句")) == [20, 21, 22]
    assert neighbours(lines, hit(1, "customer", 0.5, 1.0, "第0句")) == [0, 1]
    assert neighbours(lines, hit(1, "call", 0.0, 120.0, "")) == []


def test_lanes_follow_the_speakers_and_whole_call_hits_get_their_own() -> None:
    wave = Waveform(0.1, ("agent", "customer"), (b"\x00\xff", b"\x10\x20"))
    stereo = lanes(
        wave, [line("customer", 0, 1, "喂")], [hit(1, "agent", 0, 1, "x"), hit(2, "call", 0, 9, "")]
    )
    assert [(lane["speaker"], lane["levels"], lane["hits"]) for lane in stereo] == [
        ("agent", [0, 255], [1]), ("customer", [16, 32], []), ("call", [], [2])]  # fmt: skip
    mono = lanes(
        None, [line("unknown", 0, 1, "喂")], [hit(3, "agent", 0, 30, ""), hit(4, "unknown", 0, 1, "喂")]
    )
    assert [(lane["speaker"], lane["hits"]) for lane in mono] == [("unknown", [4]), ("call", [3])]


# --- the page ---------------------------------------------------------------------------------------


@pytest.fixture()
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    built = make_env(tmp_path / "ws")
    with built.db.session() as session:
        accounts.create_user(session, "test", "lead", "team_lead", "A", password=password("lead"))
    # the text rules only: scripted lines (2.5 s each) are faster than anyone speaks
    pack = load_default_pack()
    words = replace(pack, rules=[r for r in pack.rules if r.category != "service_quality"])
    add_scripted_call(built.ws, built.db, "c1", THREAT, pack=words, team="A")  # → insp (round robin)
    add_scripted_call(built.ws, built.db, "c2", ABUSE, pack=words, team="A")  # → insp2
    yield built
    built.db.close()


def _hits(client) -> list[dict]:  # type: ignore[no-untyped-def]
    return client.get("/api/violations", params={"call_id": "c1"}).json()["items"]  # type: ignore[no-any-return]


def test_the_page_shows_a_conversation_with_the_hits_words_and_a_waveform(env) -> None:  # type: ignore[no-untyped-def]
    insp, _ = signed_in(env.app, "insp")
    html = insp.get("/calls/c1").text
    assert re.search(r'class="seg agent"[^>]*data-start="0.0"', html) and 'class="seg customer"' in html
    assert re.search(r'<mark class="words sev-\w+ many" data-hits="\d+ \d+">考不了公务员</mark>', html)
    assert html.count('class="violation ') == 3  # 考不了公 and 考不了公务员: one hit
    assert html.count('<li class="') == 3 * 3  # each hit: its line and the one either side
    lanes = re.findall(
        r'<div class="lane (\w+)"[^>]*>\s*<span[^>]*>[^<]*</span>\s*<div[^>]*>\s*<canvas data-levels=\'([^\']*)\'',
        html,
    )
    # the scripted recording is mono noise: its one channel is cut into a lane per speaker of the script
    assert [(name, len(levels) > 20) for name, levels in lanes] == [("agent", True), ("customer", True)]
    assert html.count('class="marker ') == 3 and "提交并下一条" in html and 'id="keys-dialog"' in html
    lead, _ = signed_in(env.app, "lead")
    seen = lead.get("/calls/c1").text  # a team lead sees the page, without the owner's controls
    assert 'class="marker ' in seen and "提交并下一条" not in seen and 'data-owner="0"' in seen


def test_outcome_notes_and_final_reasoning_after_review(env) -> None:  # type: ignore[no-untyped-def]
    insp, token = signed_in(env.app, "insp")
    hits = _hits(insp)
    model = next(h for h in hits if h["rule_id"].endswith("-model"))
    for h in hits:
        decision, note = ("confirmed", "录音核实：以子女前途施压") if h is model else ("false_positive", None)
        r = insp.post(f"/api/violations/{h['id']}/decision", json={"decision": decision, "comment": note},
                      headers={"X-CSRF-Token": token})  # fmt: skip
        assert r.status_code == 200, r.text
    before = insp.get("/calls/c1").text
    assert "疑似违规" in before and "复核中" in before
    assert before.count("dismissed") >= 2 + 2  # two cards and their markers look dismissed
    r = insp.post("/calls/c1/verdict", data={"csrf_token": token, "next": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/review/next"
    assert insp.get("/review/next").headers["location"] == "/review"  # insp has no other open case

    deductions = {r.id: r.deduction for r in load_default_pack().rules}
    system = 100 - sum({h["rule_id"]: deductions[h["rule_id"]] for h in hits}.values())
    reviewed = 100 - deductions[model["rule_id"]]
    page = insp.get("/calls/c1").text
    header = re.search(r"<h2>.*?</h2>", page, re.S)
    assert header and f"确认违规 · 复核后 {reviewed} 分" in header.group(0)
    assert f"系统初评 {system} 分" in header.group(0) and "疑似违规" not in header.group(0)

    lead, lead_token = signed_in(env.app, "lead")
    r = lead.post("/calls/c1/appeal", data={"csrf_token": lead_token, "reason": "坐席只是提醒后果"})
    assert r.status_code == 303
    sup, sup_token = signed_in(env.app, "sup")
    r = sup.post("/calls/c1/appeal/decision",
                 data={"csrf_token": sup_token, "outcome": "uphold", "comment": "录音清楚，维持"})  # fmt: skip
    assert r.status_code == 303
    seen = lead.get("/calls/c1").text  # the team lead reads the note and the 终审 reasoning
    assert "录音核实：以子女前途施压" in seen and "维持原结论：录音清楚，维持" in seen
    visible = re.sub(r"<[^>]+>", "", seen)  # the words shown, not class names
    assert "坐席只是提醒后果" in visible and "已终审" in visible and "upheld" not in visible


def test_submit_and_next_opens_the_next_case_of_my_queue(env) -> None:  # type: ignore[no-untyped-def]
    with env.db.session() as session:
        sup = session.scalars(select(User).where(User.username == "sup")).one()
        workflow.reassign(session, sup, "c2", "insp")
    insp, token = signed_in(env.app, "insp")
    first = insp.get("/review/next").headers["location"]
    assert first in ("/calls/c1", "/calls/c2")
    current = first.rsplit("/", 1)[1]
    for h in insp.get("/api/violations", params={"call_id": current}).json()["items"]:
        insp.post(f"/api/violations/{h['id']}/decision", json={"decision": "confirmed"},
                  headers={"X-CSRF-Token": token}).raise_for_status()  # fmt: skip
    r = insp.post(f"/calls/{current}/verdict", data={"csrf_token": token, "next": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/review/next"
    other = ({"c1", "c2"} - {current}).pop()
    assert insp.get("/review/next").headers["location"] == f"/calls/{other}"
    undecided = insp.post(f"/calls/{other}/verdict", data={"csrf_token": token, "next": "1"})
    assert undecided.status_code == 409 and "请先判定全部违规：还有" in undecided.text  # stays on the call
    assert insp.post(f"/calls/{other}/verdict", data={"csrf_token": token, "next": "x"}).status_code == 422


def test_the_page_shows_the_acoustics_and_their_hits_as_markers(env) -> None:  # type: ignore[no-untyped-def]
    from callqa.audio.acoustics import Acoustics
    from callqa.pipeline.recheck import recheck
    from callqa.store.models import Call

    insp, _ = signed_in(env.app, "insp")
    mono = insp.get("/calls/c2").text  # the scripted recording is mono: no per-role figures
    assert re.search(r'id="acoustics"[^>]*>声学 · 静音 0 秒（最长 0 秒） · 同时说话 — · 坐席抢话 —', mono)
    measured = Acoustics(45.0, 42.0, 3.0, 3, 452.0, 210.0, 7.2, (1.0, 43.0), (2.0, 5.0, 8.0), ((2.0, 3.0),),
                         ((4.0, 7.6), (8.0, 11.6)))  # fmt: skip
    with env.db.session() as session:
        session.scalars(select(Call).where(Call.call_id == "c2")).one().acoustics = measured.to_json()
    recheck(env.db, load_default_pack(), "cli:test")  # the stored acoustics reach the rules
    html = insp.get("/calls/c2").text
    assert (
        "静音 45 秒（最长 42 秒） · 同时说话 3 秒 · 坐席抢话 3 次 · 语速 坐席 452 / 客户 210 字/分钟 · 坐席高声 7.2 秒"
        in html
    )
    assert "最长静音 42 秒（00:01–00:43，上限 30 秒）" in html and "坐席语速 452 字/分钟" in html
    markers = re.findall(
        r'class="marker [^"]*"\s+data-v="\d+" data-start="([\d.]+)"[^>]*title="[^"]*· ([^"]+)"', html
    )
    assert ("1.0", "长时间静音") in markers and ("2.0", "抢话") in markers and ("4.0", "音量过高") in markers
