"""Benchmark: evaluate the default rule pack over synthetic collection-call transcripts.

Usage: .venv/bin/python bench/bench_rules.py [n_calls] [seed]
Prints calls/s (one process, then one process per core), median and p95 time per call, and how
many calls had hits.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone

from callqa.rules import CallContext, evaluate, load_default_pack
from callqa.transcript import CallInfo, Segment

OPENINGS = [
    "您好，我是{co}的催收专员小{name}，工号{num}，本次通话会被录音。",
    "喂，你好，我这边是{co}的，请问是{cust}吗？",
    "您好，请问是{cust}本人吗？我是{co}客服{name}经理。",
    "喂，{cust}是吧，你那笔钱到底什么时候还？",
]
AGENT = [
    "您在我们平台的借款已经逾期{d}天了，欠款金额是{amt}元。",
    "请您通过官方渠道还款，不要向任何个人账户转账。",
    "逾期可能会影响您的个人征信，请尽快处理。",
    "我们可以为您申请分期还款，每个月还{amt}元。",
    "我给您登记一下还款时间，到时候请注意查收短信。",
    "我们不会联系您的家人和单位，只是提醒您。",
    "您看今天下午能不能先还一部分？",
    "利息和滞纳金会继续产生，建议您尽早还清。",
    "你今天不还钱，我就找人去你家，你出门小心点。",
    "你这个老赖，真不要脸。",
    "再不还钱就把你欠钱的事发给你通讯录里的所有人。",
    "我是市公安局经侦大队的，你涉嫌恶意透支。",
    "明天就冻结你所有的银行卡，你要坐牢的。",
    "你先去别的网贷借一笔，转到我个人的支付宝。",
    "你孩子以后考不了公务员。",
    "一期十五天了，再不还就做劳，动检你的卡。",
]
CUSTOMER = [
    "是我，什么事？",
    "这个月手头比较紧，下周五发了工资就还。",
    "我现在失业了，能不能分期？",
    "好的，我明天就还。",
    "你们这帮骗子，烦不烦啊，滚！",
    "他不在，我是他同事。",
    "我真的没钱。",
    "能不能把滞纳金免了？",
    "我知道我逾期了，对不起。",
]
COMPANIES = ["安和金融", "恒信消费金融", "众达科技", "华夏银行信用卡中心"]
NAMES = "李王张刘陈杨赵黄周吴"


def synthetic_call(rng: random.Random, i: int) -> tuple[CallInfo, list[Segment]]:
    """One call of 6-12 alternating turns drawn from the sentence mix."""
    fill = {
        "co": rng.choice(COMPANIES),
        "name": rng.choice(NAMES),
        "num": rng.randint(1000, 9999),
        "cust": "张先生",
        "d": rng.randint(1, 90),
        "amt": rng.randint(500, 50000),
    }
    segs, t = [], 0.5
    lines = [rng.choice(OPENINGS)] + [
        rng.choice(AGENT if k % 2 else CUSTOMER) for k in range(rng.randint(5, 11))
    ]
    for k, line in enumerate(lines):
        text = line.format(**fill)
        dur = 0.22 * len(text)
        segs.append(Segment("agent" if k % 2 == 0 else "customer", round(t, 2), round(t + dur, 2), text))
        t += dur + 0.4
    start = datetime(2026, 11, 20, 7, tzinfo=timezone(timedelta(hours=8))) + timedelta(minutes=7 * i)
    return CallInfo(f"c{i}", "A1", "138", start, t), segs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rng = random.Random(seed)
    t0 = time.perf_counter()
    pack = load_default_pack()
    load_s = time.perf_counter() - t0
    calls = [synthetic_call(rng, i) for i in range(n)]
    chars = sum(len(s.text) for _, segs in calls for s in segs)
    evaluate(pack, *calls[0])  # builds the automata
    times, flagged = [], 0
    start = time.perf_counter()
    for k, (info, segs) in enumerate(calls):
        t = time.perf_counter()
        hits = evaluate(pack, info, segs, CallContext(same_number_calls_that_day=1 + k % 8))
        times.append(time.perf_counter() - t)
        flagged += bool(hits)
    total = time.perf_counter() - start
    print(f"pack: {len(pack.rules)} rules, {len(pack.matcher.phrases)} phrases, loaded in {load_s:.2f} s")
    print(f"calls: {n}, avg {chars / n:.0f} chars/call, {flagged} with hits")
    print(f"throughput: {n / total:,.0f} calls/s (single process)")
    print(
        f"per call: median {statistics.median(times) * 1e3:.3f} ms, "
        f"p95 {statistics.quantiles(times, n=20)[-1] * 1e3:.3f} ms"
    )
    parallel(n, seed)


def _worker(args: tuple[int, int, int]) -> float:
    """Evaluate calls [start, stop) of the seeded stream; return the seconds spent evaluating."""
    start, stop, seed = args
    pack = load_default_pack()
    rng = random.Random(seed)
    calls = [synthetic_call(rng, i) for i in range(stop)][start:]
    evaluate(pack, *calls[0])
    t = time.perf_counter()
    for info, segs in calls:
        evaluate(pack, info, segs)
    return time.perf_counter() - t


def parallel(n: int, seed: int) -> None:
    """Calls/s with one process per core, all evaluating at once (pack load and generation excluded)."""
    procs = os.cpu_count() or 1
    cuts = [n * k // procs for k in range(procs + 1)]
    with ProcessPoolExecutor(procs) as pool:
        busy = list(pool.map(_worker, [(cuts[k], cuts[k + 1], seed) for k in range(procs)]))
    print(f"throughput: {n / max(busy):,.0f} calls/s ({procs} processes)")


if __name__ == "__main__":
    main()
