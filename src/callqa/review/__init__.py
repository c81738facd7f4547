"""Review of flagged calls and of sampled clean ones (复核 / 抽检 / 申诉): accounts, the case workflow,
the audit log, rule precision.

Roles: ``admin`` (accounts), ``supervisor`` (质检主管/合规: reassigns, decides escalations and
appeals, final judgement), ``inspector`` (质检员: claims and reviews), ``team_lead`` (催收组长: sees
and appeals only calls whose ``calls.team`` is their team).

One ``ReviewCase`` per flagged or sampled call (``review_cases.call_pk`` is unique) with one
``owner_id``: a case never has two owners (an unassigned case has none, nor has a case whose verdict
the system gave). States and transitions (functions in ``callqa.review.workflow``):

| from               | action (function)    | who, and what it needs                       | to           |
|--------------------|----------------------|----------------------------------------------|--------------|
| flagged call, no   | assign_round_robin,  | system, when the pipeline stores the call:   | open         |
| case               | via                  | the next active inspector by id, wrapping    |              |
|                    | on_call_processed    | round (if none is active: state unassigned)  |              |
| flagged call, no   | on_call_processed +  | system: every hit is of an auto_confirm rule | submitted    |
| case               | confirm_automatically| (confirmed by the system, no owner, no turn) |              |
| clean call drawn   | assign_round_robin   | system (on_call_processed with the sample    | open         |
| for 抽检, no case  | (origin sample)      | rate, or sample_clean_calls): as above       |              |
| unassigned         | assign_backlog       | system, when an inspector account is created | open         |
|                    |                      | or enabled, `callqa serve` starts, or a      |              |
|                    |                      | processing run or recheck ends: in rotation  |              |
| flagged call, no   | claim                | inspector                                    | open         |
| case               |                      |                                              |              |
| unassigned         | claim                | inspector (a conditional update: of two      | open         |
|                    |                      | claims one wins)                             |              |
| unassigned, open   | reassign,            | supervisor; target an active inspector or    | open         |
|                    | reassign_many        | supervisor other than the owner; a reason    |              |
|                    |                      | (required in bulk; all or nothing)           |              |
| open               | decide_violation     | owner; confirmed or false_positive, optional | open         |
|                    |                      | comment; may change until submitted          |              |
| open, submitted,   | confirm_automatically| system, at processing or recheck: undecided  | (see left)   |
| escalated, decided |                      | hits of auto_confirm rules confirmed; an     |              |
|                    |                      | open case with only such hits is submitted;  |              |
|                    |                      | a verdict is made confirmed                  |              |
| open, sample case  | record_missed_       | owner; a violation the rules missed, stored  | open         |
|                    | violation            | with source inspector, decided confirmed     |              |
| open               | submit_verdict       | owner; every violation decided. verdict =    | submitted    |
|                    |                      | confirmed if any is, else all_false_positive |              |
|                    |                      | (a sample case: clean, 未发现违规)           |              |
| submitted          | escalate             | owner; verdict confirmed; non-empty proposed | escalated    |
|                    |                      | action                                       |              |
| escalated          | decide_escalation    | supervisor (four eyes, below): approve       | final        |
|                    |                      | (outcome approved: no appeal after it)       |              |
| escalated          | decide_escalation    | supervisor (four eyes): reject, optional     | decided      |
|                    |                      | comment                                      |              |
| submitted, decided | appeal               | team lead of the call's team; verdict        | appealed     |
|                    |                      | confirmed; non-empty reason; the contested   |              |
|                    |                      | violations (at least one, each confirmed;    |              |
|                    |                      | none named: all); within N days (default 3)  |              |
|                    |                      | of the verdict, or of the escalation         |              |
|                    |                      | decision when there was one                  |              |
| appealed           | decide_appeal        | supervisor's final judgement (终审, four     | final        |
|                    |                      | eyes) on each contested violation: uphold,   |              |
|                    |                      | or overturn (it becomes a false positive);   |              |
|                    |                      | score recomputed; no confirmed one left:     |              |
|                    |                      | verdict all_false_positive (clean if         |              |
|                    |                      | sampled); outcome upheld/overturned/partly   |              |
| submitted, decided | final_judgement      | supervisor's final judgement (终审, four     | final        |
|                    |                      | eyes) without an appeal                      |              |
| final              | —                    | nothing: no further appeal or change         | —            |

New hits after a verdict that is not final reopen the case to its owner (``on_hits_stored``),
unless the system confirms them all. The score after review (``review_cases.score``) is set with the
verdict: 100 minus the deduction of each rule with a confirmed violation, once per rule.

Four eyes: a supervisor who submitted a case's verdict or decided any of its violations (a case can
be reassigned to a supervisor) may not decide its escalation or appeal, nor give its 终审
(``PermissionDenied``).

Anything else raises ``TransitionError`` (→ HTTP 409) with the reason. The checks run in this order:
disabled account or wrong role/not the owner → ``PermissionDenied`` (403), except that a call the
user may not see (another team's, for a team lead) → ``NotFound`` (404) first; bad argument values →
``InvalidInput`` (422). Every change appends an entry to the keyed hash-chained audit log
(``callqa.review.audit``) in the caller's transaction.

Modules: ``accounts`` (users, passwords, sign-in, API tokens; a new or re-enabled inspector takes
the backlog), ``cases`` (reading cases, the score after review),
``sampling`` (which clean calls are drawn for 抽检),
``workflow`` (the transitions),
``audit`` (append, verify, export), ``precision`` (per-rule precision from decisions).
"""
