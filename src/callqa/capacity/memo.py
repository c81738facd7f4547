"""The capacity and cost memo, in Simplified Chinese Markdown: its readers are the operation's managers.

It says what was measured, what the call volume needs, what each option costs a month at the given
prices, what leaves the building in each case, and the risks; every estimate and every price that
was not read from its source is marked as such.
"""

from __future__ import annotations

from datetime import date

from callqa.capacity.costs import DAYS_PER_MONTH, MonthlyCost, cloud_costs, private_cost
from callqa.capacity.prices import Prices
from callqa.capacity.sizing import SYSTEM_RESERVE_GIB, Sizing

SECTIONS = (
    "## 一、结论",
    "## 二、本机实测处理能力",
    "## 三、所需资源（含余量）",
    "## 四、每月成本",
    "## 五、哪些数据离开本单位",
    "## 六、风险",
    "## 七、假设与待核实事项",
)
UNVERIFIED = "⚠待核实"
GB = 10**9
NO_PRICES = "未给出价格文件（`--prices FILE`），无法计算成本。"


def _yuan(amount: float) -> str:
    return f"{amount:,.0f} 元"


def _mark(ok: bool) -> str:
    return "" if ok else f" {UNVERIFIED}"


def _summary(sizing: Sizing, costs: list[MonthlyCost] | None, prices: Prices | None) -> list[str]:
    load = sizing.load
    lines = [
        f"- 每天 {load.calls_per_day:,} 通、平均 {load.avg_minutes:g} 分钟，即每天 "
        f"{load.audio_hours_per_day:,.0f} 小时录音；私有部署需要 **{sizing.worker_machines} 台识别工作节点**"
        f"（每台 {sizing.machine.cores} 核）加 1 台 callqa 服务器，存储 **{sizing.storage_tb:,.1f} TB**"
        f"（保留 {load.retention_days} 天）。",
    ]
    if costs:
        private, clouds = costs[0], costs[1:]
        cheapest = min(clouds, key=lambda c: c.total)
        hours = load.audio_hours_per_day * DAYS_PER_MONTH
        diff = cheapest.total - private.total
        verdict = "便宜" if diff > 0 else "贵"
        lines.append(
            "- 按所给价格："
            f"私有部署每月约 **{_yuan(private.total)}**（折合每小时录音 {private.total / hours:.2f} 元）；"
            f"公有云识别中最低的是「{cheapest.option}」，每月约 **{_yuan(cheapest.total)}**"
            f"（折合每小时录音 {cheapest.total / hours:.2f} 元）。私有部署每月{verdict} {_yuan(abs(diff))}。"
        )
        if prices is not None and prices.ops is None and diff > 0:
            lines.append(
                f"- 以上未含运维人力（价格文件无 `[ops]`）：私有部署每月的运维人力成本低于 {diff:,.0f} 元时，"
                "仍比最便宜的云方案便宜。"
            )
        if not all(c.verified for c in costs):
            lines.append(
                f"- {UNVERIFIED}：部分价格是估计值，尚未按来源核实（见第七节和附录）；核实前本结论仅供参考。"
            )
    else:
        lines.append(
            "- 未给出价格文件（`--prices FILE`），本备忘录不含成本比较；示例见 `deploy/prices.example.toml`。"
        )
    lines.append(
        "- 数据：私有部署时录音和转写文本都不离开本单位；使用公有云识别时，每一通录音（客户的声音、"
        "通话中说出的电话号码、身份证号、欠款信息）都要交给云服务商处理（见第五节）。"
    )
    return lines


def _measured(sizing: Sizing) -> list[str]:
    b = sizing.bench
    m = b.machine
    return [
        f"`callqa bench` 于 {b.measured_at[:10]} 在本机测得（完整流程："
        "解码、语音识别、规则、入库；含模型加载时间）：",
        "",
        "| 项目 | 数值 |",
        "|---|---|",
        f"| 机器 | {m.cpu_model}，{m.cores} 核，内存 {m.ram_gib:g} GiB |",
        f"| 样本 | {b.files} 个录音，共 {b.audio_s / 60:,.1f} 分钟（失败 {b.failed} 个） |",
        f"| 配置 | 模型 {b.model}，beam {b.beam_size}，"
        f"{b.workers} 个识别进程 × {b.threads_per_worker} 线程 |",
        f"| 处理能力 | 每小时处理 **{b.audio_h_per_wall_h:.1f} 小时**录音；每核 {b.per_core:.2f} 小时/小时 |",
        f"| 每个识别进程的内存峰值 | {b.peak_worker_mib:,.0f} MiB |",
        f"| 每小时录音占用存储 | 录音文件 {b.recordings_bytes_per_audio_h / 1e6:,.1f} MB + 数据库 "
        f"{b.database_bytes_per_audio_h / 1e6:,.2f} MB（{b.database}） |",
    ]


def _resources(sizing: Sizing) -> list[str]:
    load, m = sizing.load, sizing.machine
    headroom = f"{load.headroom:.0%}"
    memory_note = (
        "" if sizing.memory_fits else f"（超过该机型的 {m.ram_gib:g} GiB：请减少每台的识别进程数或加内存）"
    )
    return [
        f"余量的含义：一天的录音须在 **{load.window_hours:g} 小时**内处理完（其余时间留给复检、"
        "备份和故障后追赶），"
        f"在此之上再留 **{headroom}** 余量（通话更长、"
        "更嘈杂、业务高峰、一台机器停机）。余量同样计入内存和存储。",
        "",
        "| 资源 | 需要 | 说明 |",
        "|---|---|---|",
        f"| 处理速度 | 每小时 {sizing.required_rate:,.1f} 小时录音 | "
        f"每天 {load.audio_hours_per_day:,.0f} 小时 ÷ "
        f"{load.window_hours:g} 小时 × {1 + load.headroom:g} |",
        f"| CPU 核数 | 至少 {sizing.cores_needed} 核 | "
        f"按实测每核 {sizing.bench.per_core:.2f} 小时/小时线性推算 |",
        f"| 识别工作节点 | **{sizing.worker_machines} 台**（共 {sizing.cores_total} 核） | {m.label}：每台 "
        f"{m.cores} 核、{m.ram_gib:g} GiB，每小时处理 {sizing.machine_rate:,.1f} 小时录音；不计余量时每天忙 "
        f"{sizing.busy_hours_per_day:.1f} 小时 |",
        f"| 每台内存 | {sizing.memory_per_machine_gib:,.1f} GiB | {sizing.workers_per_machine} 个识别进程 × "
        f"实测峰值 × {1 + load.headroom:g} + 系统预留 {SYSTEM_RESERVE_GIB:g} GiB{memory_note} |",
        "| 建议冗余 | 再加 1 台工作节点 | 一台故障时不积压（成本表未含） |",
        "| callqa 服务器 | 1 台 | `callqa serve`、PostgreSQL、Redis；与工作节点同规格（未单独测算） |",
        f"| 存储 | **{sizing.storage_tb:,.1f} TB** | 录音 {sizing.recordings_tb:,.2f} TB + 数据库 "
        f"{sizing.database_tb:,.2f} TB，"
        f"保留 {load.retention_days} 天，含 {headroom} 余量；备份另需同等容量 |",
    ]


def _costs(costs: list[MonthlyCost]) -> list[str]:
    out = ["所有金额为人民币每月；硬件按寿命平均折旧，不计利息、残值与税费。", ""]
    for cost in costs:
        out += [
            f"### {cost.option}：{_yuan(cost.total)}/月{_mark(cost.verified)}",
            "",
            "| 项目 | 每月 |",
            "|---|---|",
        ]
        out += [f"| {line.label} | {_yuan(line.cny)}{_mark(line.verified)} |" for line in cost.lines]
        out.append("")
    return out


def _data_leaving(sizing: Sizing) -> list[str]:
    gb_per_day = sizing.load.audio_hours_per_day * sizing.bench.recordings_bytes_per_audio_h / GB
    return [
        "| 数据 | 私有部署 | 公有云识别 |",
        "|---|---|---|",
        "| 通话录音（客户的声音，通话中说出的电话号码、身份证号、银行卡号、欠款金额） | 不离开本单位 | "
        f"每一通都上传给云服务商（按本机样本的格式约每天 {gb_per_day:,.0f} GB） |",
        "| 转写文本 | 在本单位生成和保存 | 在云端生成后返回；云端是否留存、留存多久取决于服务条款 |",
        "| 违规结果、复核记录、审计日志 | 本单位 | 本单位（callqa 仍在本地运行） |",
        "| 出境 | 无 | 选用境外区域（例如 AWS 中国以外的区域）即构成个人信息出境 |",
        "",
        "与《个人信息保护法》（PIPL）的关系（工程侧整理，不构成法律意见，以法务和合规意见为准）：",
        "- 录音和转写文本是个人信息；其中金融账户、行踪等信息以及可用于识别个人的声音特征可能属于敏感个人信息"
        "（第二十八条），处理须有特定目的和充分必要性，并采取严格保护措施。",
        "- 把录音交给云服务商转写属于委托处理（第二十一条）："
        "须与受托方约定处理目的、期限、方式、个人信息种类、"
        "保护措施及双方权利义务，并对受托方进行监督；受托方不得超出约定处理，合同终止后须返还或删除。",
        "- 委托处理、处理敏感个人信息和向境外提供个人信息之前，须进行个人信息保护影响评估（第五十五条），"
        "评估报告和处理情况记录至少保存三年（第五十六条）。",
        "- 向境外提供须满足第三十八条的条件之一（安全评估、个人信息保护认证或标准合同等），并告知个人、"
        "取得单独同意（第三十九条）。",
        "- 私有部署不涉及委托处理和出境，但本单位仍须落实安全措施（第五十一条）：callqa 提供角色权限、"
        "号码脱敏、HTTPS（在反向代理之后以 `--tls` 运行）"
        "和防篡改审计日志，服务器本身的访问控制与备份由本单位负责。",
    ]


def _risks(sizing: Sizing) -> list[str]:
    return [
        "私有部署：",
        "- 容量按本机实测每核吞吐线性外推到目标机型；更大的机器往往达不到线性。采购前请在目标机型上运行 "
        "`callqa bench`，再运行 `callqa plan`。",
        "- 识别准确率取决于本地模型（默认 Whisper base）：电话录音中的人名、数字容易识别错；规则按拼音容错，"
        "但不能弥补任意错误。",
        "- 需要人员维护：备份、升级、监控、硬件故障更换。callqa 服务器（数据库、队列）是单点，宕机期间录音"
        "积压，恢复后在处理窗口的余量内追赶。",
        "- 一次性投入硬件；业务量变化时扩容需要采购周期（工作节点可随时增加）。",
        "",
        "公有云识别：",
        "- 全部录音离开本单位（见第五节）：须完成委托处理协议和影响评估；服务商的留存、员工访问和泄露风险"
        "不在本单位控制之内。",
        "- 费用随通话量线性增长，价格可能调整；预付费资源包一般一年有效、过期作废。",
        "- 云服务的识别准确率未在本项目的数据上测量；"
        "callqa 的同音容错表是按本地模型的错误学得的，换用云识别后"
        "规则效果需重新测量。callqa 目前也没有对接云识别接口，需要另行开发。",
        "- 依赖网络和服务可用性：断网或限流时录音积压；"
        "服务有并发配额（例如 AWS Transcribe 默认同时 100 个批量"
        "作业，见 https://docs.aws.amazon.com/transcribe/latest/dg/limits-guidelines.html）"
        "。上传带宽和流量费未计入。",
        "- 双声道录音可能按声道分别计费（价格文件中的 `billed_channels`）。",
    ]


def _assumptions(sizing: Sizing, prices: Prices | None) -> list[str]:
    b = sizing.bench
    out = [
        f"- 处理窗口 {sizing.load.window_hours:g} 小时、余量 {sizing.load.headroom:.0%}、每台系统预留内存 "
        f"{SYSTEM_RESERVE_GIB:g} GiB、每月 {DAYS_PER_MONTH:.1f} 天："
        "均为可调的假设（`--window-hours`、`--headroom`）。",
        f"- 存储按本机样本（{b.files} 个录音）的格式和数据库（{b.database}）测得；请用本单位的真实录音运行 "
        "`callqa bench --files 目录`，录音格式（WAV、MP3、AMR）对存储影响很大。PostgreSQL 的占用未单独测量。",
        "- 未计入：冗余机器、网络设备、机房租金、带宽、软件许可、税费。",
    ]
    if prices is None:
        return out
    if prices.ops is None:
        out[-1] = out[-1].replace("未计入：", "未计入：运维人力（价格文件未给出）、")
    pending = [label for label, entry in prices.entries() if not entry.verified]
    if pending:
        out.append(f"- {UNVERIFIED}（估计值，尚未按来源核实）：{'、'.join(pending)}。")
    out += ["", "### 附：价格来源", "", "| 项目 | 来源 | 读取日期 | 状态 |", "|---|---|---|---|"]
    for label, entry in prices.entries():
        state = "已按来源读取" if entry.verified else UNVERIFIED
        note = f"（{entry.note}）" if entry.note else ""
        out.append(f"| {label}{note} | {entry.source} | {entry.read_on.isoformat()} | {state} |")
    return out


def render_memo(sizing: Sizing, prices: Prices | None, today: date) -> str:
    """The memo as Markdown."""
    costs = [private_cost(sizing, prices), *cloud_costs(sizing, prices)] if prices else None
    parts: list[list[str]] = [
        ["# 通话质检容量与成本评估：私有部署与公有云语音识别", "",
         f"由 `callqa plan` 于 {today.isoformat()} 生成，依据本机 `callqa bench` 的实测结果。"],
        [SECTIONS[0], "", *_summary(sizing, costs, prices)],
        [SECTIONS[1], "", *_measured(sizing)],
        [SECTIONS[2], "", *_resources(sizing)],
        [SECTIONS[3], "", *(_costs(costs) if costs else [NO_PRICES])],
        [SECTIONS[4], "", *_data_leaving(sizing)],
        [SECTIONS[5], "", *_risks(sizing)],
        [SECTIONS[6], "", *_assumptions(sizing, prices)],
    ]  # fmt: skip
    return "\n\n".join("\n".join(p).rstrip() for p in parts) + "\n"
