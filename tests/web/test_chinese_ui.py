"""Chinese everywhere: every page the workbench shows, for every role, in every state the test data
reaches (hits decided, notes, escalations, appeals, 终审, 抽检, a failed call, forms refused, error
pages, searches without results), holds no Latin-letter text outside an allow-list of what users
see as codes (call ids, usernames, agent ids, rule ids, file kinds, units, the product name); and
the main review workflow's refusals read in Chinese, naming things as users see them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from callqa.review import accounts, workflow
from callqa.rules import load_default_pack
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
    ("customer", "好的。"),
]

# --- visible text -----------------------------------------------------------------------------------

SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN_ELEMENTS = ("script", "style", "template")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")


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


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.parts


def latin_runs(texts: list[str], allowed: set[str]) -> set[str]:
    """Latin-letter words in `texts` not in `allowed` (compared case-sensitively, then without a
    trailing '.' so that a sentence may end on an allowed word)."""
    found = set()
    for text in texts:
        for word in LATIN.findall(text):
            if word not in allowed and word.rstrip(".-_") not in allowed:
                found.add(word)
    return found


def test_visible_text_reads_text_nodes_and_shown_attributes_only() -> None:
    html = (
        '<html><head><title>Hello 你好</title><script>var x = "English";</script><style>p{color:red}</style>'
        '</head><body class="wide"><p data-x="hidden">看 <b>there</b></p>'
        '<input placeholder="type here" value="kept out" name="q"><input type="submit" value="Go">'
        '<a href="/calls/p02" title="tip">p02</a><img alt="a cat" src="x.png"></body></html>'
    )
    shown = " ".join(visible_text(html))
    assert latin_runs(visible_text(html), {"p02"}) == {
        "Hello",
        "there",
        "type",
        "here",
        "Go",
        "tip",
        "a",
        "cat",
    }
    assert "English" not in shown and "wide" not in shown and "hidden" not in shown and "kept" not in shown


# --- a workbench in every state ----------------------------------------------------------------------

PEOPLE = ("root", "sup", "sup2", "insp", "insp2", "lead")  # admin, supervisors, inspectors, team lead


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
        return self.client.get("/api/violations", params={"call_id": call_id}).json()["items"]  # type: ignore[no-any-return]

    def decide_all(self, call_id: str, decision: str = "confirmed", note: str | None = None) -> None:
        for hit in self.hits(call_id):
            r = self.api(f"/api/violations/{hit['id']}/decision", {"decision": decision, "comment": note})
            assert r.status_code == 200, r.text


def own(sup: Actor, call_id: str, name: str) -> None:
    """Make `name` the owner of the call's case, whoever the rotation gave it to."""
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
    """c1 appealed by the team lead; c2 open with hits undecided; c3 escalated; c4 final (终审结案);
    c5 a 抽检 case with a missed violation recorded; c6 another team's clean call; bad a failed call."""
    built = make_env(tmp_path_factory.mktemp("zh") / "ws")
    with built.db.session() as session:
        accounts.create_user(session, "test", "lead", "team_lead", "A", password=password("lead"))
        accounts.create_user(session, "test", "sup2", "supervisor", password=password("sup2"))
    for call_id, lines, team in (("c1", THREAT, "A"), ("c2", ABUSE, "A"), ("c3", ABUSE, "A"),
                                 ("c4", THREAT, "A"), ("c5", CLEAN, "A"), ("c6", CLEAN, "B")):  # fmt: skip
        add_scripted_call(built.ws, built.db, call_id, lines, team=team, agent_id="A1023")
    add_failed_call(built, "bad")
    with built.db.session() as session:
        workflow.sample_clean_calls(session, 1.0)
    people = {name: Actor(built.app, name) for name in PEOPLE}
    sup, insp, insp2, lead = people["sup"], people["insp"], people["insp2"], people["lead"]
    for call_id, name in (("c1", "insp"), ("c2", "insp2"), ("c3", "insp"), ("c4", "insp2"), ("c5", "insp")):
        own(sup, call_id, name)
    hits = insp.hits("c1")
    for k, hit in enumerate(hits):
        decision, note = (
            ("confirmed", "录音核实：以子女前途施压") if k == 0 else ("false_positive", "语气提醒")
        )
        insp.api(f"/api/violations/{hit['id']}/decision", {"decision": decision, "comment": note})
    assert insp.api("/api/calls/c1/verdict").status_code == 200
    assert lead.api("/api/calls/c1/appeal", {"reason": "坐席只是提醒后果"}).status_code == 200
    insp2.api(f"/api/violations/{insp2.hits('c2')[0]['id']}/decision", {"decision": "confirmed"})
    insp.decide_all("c3")
    assert insp.api("/api/calls/c3/verdict").status_code == 200
    assert insp.api("/api/calls/c3/escalate", {"proposed_action": "约谈坐席并复训"}).status_code == 200
    insp2.decide_all("c4", note="确认")
    assert insp2.api("/api/calls/c4/verdict").status_code == 200
    assert sup.api("/api/calls/c4/final", {"comment": "证据充分，结案"}).status_code == 200
    missed = {"category": "abuse", "speaker": "agent", "text": "你这人真不讲理", "start_s": 1.0, "end_s": 2.0}
    assert insp.api("/api/calls/c5/missed-violations", missed).status_code == 200, "抽检 case with a miss"
    built.people = people
    yield built
    built.db.close()


# --- every page, every role --------------------------------------------------------------------------

CALLS = ("c1", "c2", "c3", "c4", "c5", "c6", "bad")
PAGES = ("/", "/calls", "/calls?status=flagged&sort=-score", "/search", "/search?q=还钱&speaker=",
         "/search?q=没有这句话", "/search?q=还钱&fuzzy=true&speaker=agent", "/review", "/review?origin=sample",
         "/appeals", "/rules", "/audit", "/audit?action=case.submit", "/users", "/account", "/docs",
         *(f"/calls/{c}" for c in CALLS))  # fmt: skip
ERROR_PAGES = ("/calls/nope", "/no-such-page", "/calls?since=yesterday", "/calls?min_score=abc",
               "/calls?page=0", "/calls/c1?t=-1", "/search?speaker=nobody", "/audit?since=x",
               "/calls?status=odd", "/calls?sort=sideways", "/calls?review_state=odd")  # fmt: skip


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
            if r.status_code in (301, 302, 303, 307):
                continue
            yield name, path, r.text
    root, insp, insp2, sup = (env.people[n] for n in ("root", "insp", "insp2", "sup"))
    refused = (
        (root, "/users", {"username": "", "role": "inspector"}),
        (root, "/users", {"username": "lead", "role": "team_lead", "team": "A"}),
        (root, "/users", {"username": "newlead", "role": "team_lead"}),
        (root, "/users/manage", {"username": "ghost", "action": "disable"}),
        (root, "/users/manage", {"username": "root", "action": "disable"}),
        (insp, "/account/tokens", {"name": ""}),
        (insp2, "/calls/c2/verdict", {}),
        (insp2, "/calls/c2/escalate", {"proposed_action": "x"}),
        (insp, "/calls/c5/missed", {"category": "abuse", "speaker": "agent", "text": "", "start": "9:99"}),
        (
            insp,
            "/calls/c5/missed",
            {"category": "abuse", "speaker": "agent", "text": "骂人", "start": "99:00"},
        ),
        (insp, "/calls/c1/claim", {}),
        (sup, "/calls/c1/final", {}),
        (sup, "/calls/c3/verdict", {}),
        (env.people["lead"], "/calls/c4/appeal", {"reason": "不服"}),
        (insp, "/rules/recheck", {"since": "yesterday"}),
    )
    for actor, path, data in refused:
        yield actor.name, f"POST {path} {data}", actor.form(path, data).text
    yield insp.name, "POST without CSRF", insp.client.post("/calls/c1/verdict", data={}).text
    yield insp.name, "PUT /calls", insp.client.put("/calls").text


def test_dump(env) -> None:  # type: ignore[no-untyped-def]
    allowed = {"callqa", "CSV", "XLSX", "API", "Excel", *CALLS, *PEOPLE, "A1023", "A", "B"}
    allowed |= {r.id for r in load_default_pack().rules}
    seen: dict[str, set[str]] = {}
    for who, what, html in shown_pages(env):
        for word in latin_runs(visible_text(html), allowed):
            seen.setdefault(word, set()).add(f"{who} {what}")
    for word, where in sorted(seen.items()):
        print(word, "|", len(where), sorted(where)[:3])
    assert not seen
