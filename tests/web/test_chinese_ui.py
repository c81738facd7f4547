"""Chinese everywhere: every page the workbench shows, for every role, in every state the test data
reaches (hits decided, notes, escalations, appeals, 终审, 抽检, a failed call, forms refused, error
pages, searches without results), holds no Latin-letter text outside an allow-list of what users
see as codes (call ids, usernames, agent ids, rule ids, file kinds, units, the product name); and
the main review workflow's refusals read in Chinese, naming things as users see them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from callqa.review import accounts, workflow
from callqa.rules import load_default_pack
from callqa.store.models import db_now
from tests.fakes import add_scripted_call
from tests.web.accounts_app import make_env, password, signed_in

THREAT = [
    ("agent", "您好，我是安和金融的催收员小李，工号1023，请问是赵磊先生吗？"),
    ("customer", "是我。"),
    ("agent", "你再不还钱，你孩子以后就不能上学，也考不了公务员。"),
    ("customer", "你别吓唬我。"),
]
ABUSE = [("agent", "您好，我是安和金融的催收员小李，工号1023。"), ("agent", "你这个老赖，真不要脸。")]
CLEAN = [
    ("agent", "您好，我是安和金融的催收员小李，工号1023，提醒您本月账单按时还款。"),
    ("customer", "好的，下周一我还两千。"),  # a promise to pay
]

# --- visible text -----------------------------------------------------------------------------------

SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN_ELEMENTS = ("script", "style", "template")
LATIN = re.compile(r"[A-Za-z0-9_.\-]*[A-Za-z][A-Za-z0-9_.\-]*")  # a word with a Latin letter in it


class VisibleText(HTMLParser):
    """The text a person reads on a page: text nodes outside scripts and styles, the title, and the
    attributes that browsers show (tooltips, placeholders, accessible names, alternative text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
        kind = dict(attrs).get("type")
        if tag == "input" and kind in ("submit", "button", "reset"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data)


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    parser.close()
    return parser.parts


def latin_runs(texts: list[str], allowed: set[str]) -> set[str]:
    """Latin-letter words in `texts` not in `allowed` (compared case-sensitively, then without a
    trailing '.' so that a sentence may end on an allowed word)."""
    found = set()
    for shown in texts:
        for word in LATIN.findall(shown):
            if word not in allowed and word.rstrip(".-_") not in allowed:
                found.add(word)
    return found


def test_visible_text_reads_text_nodes_and_shown_attributes_only() -> None:
    page = (
        '<html><head><title>Hello 你好</title><script>var x = "English";</script><style>p{color:red}</style>'
        '</head><body class="wide"><p data-x="hidden">看 <b>there</b></p>'
        '<input placeholder="type here" value="kept out" name="q"><input type="submit" value="Go">'
        '<a href="/calls/p02" title="tip">p02</a><img alt="a cat" src="x.png"></body></html>'
    )
    shown = " ".join(visible_text(page))
    found = latin_runs(visible_text(page), {"p02"})
    assert found == {"Hello", "there", "type", "here", "Go", "tip", "a", "cat"}
    assert "English" not in shown and "wide" not in shown and "hidden" not in shown and "kept" not in shown


# --- a workbench in every state ----------------------------------------------------------------------

PEOPLE = ("root", "sup", "sup2", "insp", "insp2", "lead")  # admin, supervisors, inspectors, team lead
NUMBERED = [
    ("agent", "您好，我是安和金融的催收员小李，工号1023。"),
    ("agent", "你这个老赖13811112222真不要脸"),
]


class Actor:
    """A signed-in browser that calls the JSON API and posts forms with its CSRF token."""

    def __init__(self, app, name: str) -> None:  # type: ignore[no-untyped-def]
        self.name = name
        self.client, self.token = signed_in(app, name)

    def api(self, path: str, body: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.token})

    def form(self, path: str, data: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
        return self.client.post(path, data={"csrf_token": self.token} | (data or {}))

    def hits(self, call_id: str) -> list[dict]:  # type: ignore[type-arg]
        """The call's hits in the call page's order (#1 the earliest)."""
        items = self.client.get("/api/violations", params={"call_id": call_id}).json()["items"]
        return sorted(items, key=lambda h: (h["start_s"], h["id"]))

    def decide(self, hit: dict, decision: str = "confirmed", note: str | None = None) -> None:  # type: ignore[type-arg]
        r = self.api(f"/api/violations/{hit['id']}/decision", {"decision": decision, "comment": note})
        assert r.status_code == 200, r.text

    def submit(self, call_id: str) -> None:
        assert self.api(f"/api/calls/{call_id}/verdict").status_code == 200


def own(sup: Actor, call_id: str, name: str) -> None:
    """Make `name` the owner of the call's case, whoever the assignment gave it to."""
    if sup.client.get(f"/api/calls/{call_id}/case").json()["owner"] != name:
        assert sup.api(f"/api/calls/{call_id}/reassign", {"owner": name}).status_code == 200


def add_failed_call(env, call_id: str) -> None:  # type: ignore[no-untyped-def]
    """A recording that ingest accepts (its header looks like WAV) but that does not decode."""
    from callqa.pipeline.ingest import ingest_one
    from callqa.pipeline.manifest import ManifestRow
    from callqa.pipeline.process import process_pending
    from tests.fakes import ScriptedSpeech

    path = env.ws.root.parent / "scripted" / f"{call_id}.wav"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    row = ManifestRow(line=0, path=path, call_id=call_id, channels="", team="A")
    assert ingest_one(env.ws, env.db, row).status == "added"
    process_pending(env.ws, env.db, load_default_pack(), "", transcriber=ScriptedSpeech())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """c1 appealed by the team lead; c2 open with two of its three hits undecided; c3 escalated; c4
    closed by a 终审; c5 a 抽检 case with a missed violation recorded; c6 another team's clean call;
    c7 confirmed 5 days ago (past the appeal window); c9 open, with a phone number in a hit's words;
    bad a recording that failed to decode."""
    built = make_env(tmp_path_factory.mktemp("zh") / "ws")
    with built.db.session() as session:
        accounts.create_user(session, "test", "lead", "team_lead", "A", password=password("lead"))
        accounts.create_user(session, "test", "sup2", "supervisor", password=password("sup2"))
    scripts = {"c1": THREAT, "c2": ABUSE, "c3": ABUSE, "c4": THREAT, "c5": CLEAN, "c6": CLEAN, "c7": THREAT,
               "c9": NUMBERED}  # fmt: skip
    for call_id, lines in scripts.items():
        add_scripted_call(
            built.ws, built.db, call_id, lines, team="B" if call_id == "c6" else "A", agent_id="A1023"
        )
    add_failed_call(built, "bad")
    with built.db.session() as session:
        workflow.sample_clean_calls(session, 1.0)
    people = {name: Actor(built.app, name) for name in PEOPLE}
    sup, insp, insp2, lead = people["sup"], people["insp"], people["insp2"], people["lead"]
    owners = {
        "c1": "insp",
        "c2": "insp2",
        "c3": "insp",
        "c4": "insp2",
        "c5": "insp",
        "c7": "insp",
        "c9": "insp",
    }
    for call_id, name in owners.items():
        own(sup, call_id, name)
    for k, hit in enumerate(insp.hits("c1")):
        insp.decide(
            hit, *(("confirmed", "录音核实：以子女前途施压") if k == 0 else ("false_positive", "语气提醒"))
        )
    insp.submit("c1")
    assert lead.api("/api/calls/c1/appeal", {"reason": "坐席只是提醒后果"}).status_code == 200
    insp2.decide(insp2.hits("c2")[0])
    for hit in insp.hits("c3"):
        insp.decide(hit)
    insp.submit("c3")
    assert insp.api("/api/calls/c3/escalate", {"proposed_action": "约谈坐席并复训"}).status_code == 200
    for hit in insp2.hits("c4"):
        insp2.decide(hit, note="确认")
    insp2.submit("c4")
    assert sup.api("/api/calls/c4/final", {"comment": "证据充分，结案"}).status_code == 200
    missed = {"category": "abuse", "speaker": "agent", "text": "你这人真不讲理", "start_s": 1.0, "end_s": 2.0}
    assert insp.api("/api/calls/c5/missed-violations", missed).status_code == 200
    for hit in insp.hits("c7"):
        insp.decide(hit)
    insp.submit("c7")
    with built.db.session() as session:  # the verdict was given 5 days ago: the 3-day window is over
        session.execute(text("UPDATE review_cases SET submitted_at = :at WHERE call_pk = "
                             "(SELECT id FROM calls WHERE call_id = 'c7')"),
                        {"at": db_now() - timedelta(days=5)})  # fmt: skip
    built.people = people
    yield built
    built.db.close()


# --- every page, every role --------------------------------------------------------------------------

CALLS = ("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c9", "bad")
PAGES = ("/", "/calls", "/calls?status=flagged&sort=-score&review_state=none", "/search",
         "/search?q=还钱&speaker=", "/search?q=没有这句话", "/search?q=还钱&fuzzy=true&speaker=agent",
         "/review", "/review?scope=all&finished=true", "/review?scope=unassigned&sort=age",
         "/review?origin=sample", "/escalations", "/appeals", "/rules", "/audit", "/audit?action=case.submit",
         "/audit?call=c1", "/audit?actor=system", "/users", "/account", "/docs", "/promises",
         "/promises?status=pending&team=A",
         *(f"/calls/{c}" for c in CALLS))  # fmt: skip
ERROR_PAGES = ("/calls/nope", "/no-such-page", "/calls?since=yesterday", "/calls?min_score=abc",
               "/calls?page=0", "/calls/c1?t=-1", "/search?speaker=nobody", "/audit?since=x",
               "/calls?status=odd", "/calls?sort=sideways", "/calls?review_state=odd", "/review?sort=odd",
               "/search?q=%E3%80%82%E3%80%82", "/promises?status=odd", "/promises?due_since=x")  # fmt: skip
# Latin words that users see as they are: the product, file kinds, keys, units ...
ALLOWED = {"callqa", "CSV", "XLSX", "API", "Excel", "J", "K", "Enter", "ms", "s", "MB", "KB"}
# ... the test data's names (calls, people, the actor of its setup, agents, teams, the browser) ...
ALLOWED |= {*CALLS, *PEOPLE, "test", "A1023", "A", "B", "testclient"}
# ... and what the refused requests typed, which the refusal quotes back.
TYPED = {"yesterday", "nobody", "x", "odd", "sideways", "abc", "ghost", "ws-99"}


def codes_shown(env) -> set[str]:  # type: ignore[no-untyped-def]
    """The codes pages show as codes: rule ids, the rule pack's version, the text models' versions."""
    from callqa.rules.learned.versions import list_versions

    pack = env.app.state.pack
    versions = {v.version for v in list_versions(env.ws)} | {getattr(pack.detector, "version", "")}
    return {r.id for r in pack.rules} | {pack.version} | versions - {"shipped"}


def shown_pages(env) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(who, what, html) for every page each person can open, error pages and refused forms
    included."""
    anonymous = TestClient(env.app, follow_redirects=False)
    yield "anonymous", "/login", anonymous.get("/login").text
    yield "anonymous", "POST /login (no CSRF)", anonymous.post("/login", data={"username": "x"}).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "username": "insp", "password": "wrong"}
    yield "anonymous", "POST /login (wrong password)", anonymous.post("/login", data=form).text
    for name, actor in env.people.items():
        for path in (*PAGES, *ERROR_PAGES):
            r = actor.client.get(path)
            if r.status_code not in (301, 302, 303, 307):
                yield name, path, r.text
    root, sup, insp, insp2, lead = (env.people[n] for n in ("root", "sup", "insp", "insp2", "lead"))
    refused = (
        (root, "/users", {"username": "", "role": "inspector"}),
        (root, "/users", {"username": "lead", "role": "team_lead", "team": "A"}),
        (root, "/users", {"username": "newlead", "role": "team_lead"}),
        (root, "/users/manage", {"username": "ghost", "action": "disable"}),
        (root, "/users/manage", {"username": "root", "action": "disable"}),
        (insp, "/account/tokens", {"name": " "}),
        (insp2, "/calls/c2/verdict", {}),
        (insp2, "/calls/c2/escalate", {"proposed_action": "x"}),
        (insp, "/calls/c9/verdict", {}),
        (insp, "/calls/c5/missed", {"category": "abuse", "speaker": "agent", "text": "骂人", "start": "9:x"}),
        (
            insp,
            "/calls/c5/missed",
            {"category": "abuse", "speaker": "agent", "text": "骂人", "start": "99:00"},
        ),
        (insp, "/calls/c1/claim", {}),
        (insp, "/calls/c2/claim", {}),
        (sup, "/calls/c1/final", {}),
        (sup, "/calls/c3/verdict", {}),
        (sup, "/calls/c1/appeal/decision", {}),
        (sup, "/review/reassign", {"owner": "insp", "call": "c2"}),
        (sup, "/review/reassign", {"owner": "lead", "call": "c2", "reason": "请假"}),
        (sup, "/calls/c4/reassign", {"owner": "insp"}),
        (lead, "/calls/c4/appeal", {"reason": "不服"}),
        (lead, "/calls/c7/appeal", {"reason": "不服"}),
        (lead, "/calls/c3/appeal", {"reason": ""}),
        (insp, "/rules/recheck", {"since": "yesterday"}),
        (sup, "/rules/recheck", {"since": "yesterday"}),
        (sup, "/rules/model", {"version": "ws-99"}),
    )
    for actor, path, data in refused:
        yield actor.name, f"POST {path} {data}", actor.form(path, data).text
    yield insp.name, "POST without CSRF", insp.client.post("/calls/c1/verdict", data={}).text
    yield insp.name, "PUT /calls", insp.client.put("/calls").text


def test_every_page_for_every_role_reads_in_chinese(env) -> None:  # type: ignore[no-untyped-def]
    allowed = ALLOWED | TYPED | codes_shown(env)
    seen: dict[str, set[str]] = {}
    pages = 0
    for who, what, body in shown_pages(env):
        pages += 1
        for word in latin_runs(visible_text(body), allowed):
            seen.setdefault(word, set()).add(f"{who}: {what}")
    assert pages > 250
    assert not seen, "\n".join(f"{word}: {sorted(where)[:3]}" for word, where in sorted(seen.items()))


# --- the workflow's refusals, as the page and the API say them --------------------------------------


def alert(r) -> str:  # type: ignore[no-untyped-def]
    """The refusal a page shows (its role=alert line), as read."""
    found = re.search(r'role="alert">(.*?)</p>', r.text, re.S)
    assert found, r.text[:500]
    return html.unescape(found.group(1)).strip()


def test_review_refusals_name_things_as_users_see_them(env) -> None:  # type: ignore[no-untyped-def]
    insp, insp2, lead = env.people["insp"], env.people["insp2"], env.people["lead"]
    undecided = "请先判定全部违规：还有 2 条未判定（#2 辱骂侮辱「老赖」；#3 辱骂侮辱「不要脸」）"
    r = insp2.form("/calls/c2/verdict")  # the call page again, saying why
    assert r.status_code == 409 and alert(r) == undecided
    assert '<span class="num">#2</span>' in r.text and '<span class="num">#3</span>' in r.text
    r = insp2.api("/api/calls/c2/verdict")
    assert r.status_code == 409 and r.json() == {"detail": undecided}
    assert insp2.client.get("/api/calls/c2/case").json()["state"] == "open"  # the API keeps its codes

    hit = insp2.hits("c2")[1]
    r = insp.api(f"/api/violations/{hit['id']}/decision", {"decision": "confirmed"})  # not the owner
    assert r.status_code == 403 and r.json()["detail"] == "这件复核任务由 insp2 负责，只有负责人可以操作"
    r = insp.form(f"/calls/c2/violations/{hit['id']}", {"decision": "confirmed"})
    assert r.status_code == 403 and alert(r) == "这件复核任务由 insp2 负责，只有负责人可以操作"
    assert alert(insp.form("/calls/c2/claim")) == "这件复核任务已由 insp2 负责"
    r = insp2.api("/api/calls/c2/escalate", {"proposed_action": "约谈"})
    assert r.json()["detail"] == "这件复核任务当前为「复核中」：只有已提交的复核结论可以升级，且只能升级一次"

    r = lead.form("/calls/c7/appeal", {"reason": "不服"})  # confirmed 5 days ago
    assert r.status_code == 409
    assert re.fullmatch(
        r"申诉期已过：须在复核结论后 3 天内申诉，已于 \d{4}-\d\d-\d\d \d\d:\d\d 截止", alert(r)
    )
    assert (
        alert(lead.form("/calls/c4/appeal", {"reason": "不服"})) == "这件复核任务已结案（终审），不能再申诉"
    )
    assert alert(lead.form("/calls/c3/appeal", {"reason": "不服"})).startswith("这件复核任务当前为「已升级」")
    r = lead.api("/api/calls/c2/claim")
    assert r.status_code == 403 and r.json()["detail"] == "催收组长无权执行此操作，需要质检员"
    assert alert(insp.client.get("/users")) == "质检员无权执行此操作，需要管理员"
    r = env.people["sup"].form("/review/reassign", {"owner": "insp", "call": "c2"})
    assert r.status_code == 422 and alert(r) == "请填写改派原因"


def test_a_refusal_masks_numbers_for_roles_that_may_not_see_them(env) -> None:  # type: ignore[no-untyped-def]
    """c9's first hit says a phone number; its owner, an inspector, sees it masked, in the refusal too."""
    insp = env.people["insp"]
    said = "请先判定全部违规：还有 3 条未判定（#1 辱骂侮辱「你这个老赖138****2222…」；#2 辱骂侮辱「老赖」；#3 辱骂侮辱「不要脸」）"
    r = insp.form("/calls/c9/verdict")
    assert r.status_code == 409 and alert(r) == said and "13811112222" not in r.text
    assert insp.api("/api/calls/c9/verdict").json() == {"detail": said}


def test_framework_refusals_read_in_chinese(env) -> None:  # type: ignore[no-untyped-def]
    anonymous = TestClient(env.app, follow_redirects=False)
    assert anonymous.get("/api/me").json() == {"detail": "请先登录"}
    insp = env.people["insp"]
    r = insp.client.get("/no-such-page")
    assert r.status_code == 404 and alert(r) == "没有这个页面或对象，或你无权查看"
    assert insp.client.get("/api/no-such-thing").json() == {"detail": "没有这个页面或对象，或你无权查看"}
    assert alert(insp.client.get("/calls/nope")) == "没有这通通话，或你无权查看"
    assert alert(insp.client.get("/calls", params={"page": 0})) == "参数不正确：页码"
    assert alert(insp.client.get("/calls", params={"since": "昨天"})).startswith("开始日期不是有效日期")
    r = insp.client.post("/calls/c1/verdict", data={})
    assert r.status_code == 403 and alert(r) == "页面已过期或表单来源无法核实，请刷新页面后重试"
    r = env.people["root"].form("/users", {"username": " ", "role": "inspector"})
    assert r.status_code == 422 and alert(r) == "用户名须为 1 到 100 个字符"
