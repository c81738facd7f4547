"""Review of flagged calls and of sampled clean ones (复核 / 抽检 / 申诉): accounts, the case workflow,
the audit log, rule precision.

Roles: ``admin`` (accounts), ``supervisor`` (质检主管/合规: reassigns, decides escalations and
appeals, final judgement), ``inspector`` (质检员: claims and reviews), ``team_lead`` (催收组长: sees
and appeals only calls whose ``calls.team`` is their team).

One ``ReviewCase`` per flagged or sampled call (``review_cases.call_pk`` is unique) with one
``owner_id``: a case never has two owners (an unassigned case has none). States and transitions (functions in
``callqa.review.workflow``):

| from               | action (function)    | who, and what it needs                       | to           |
|--------------------|----------------------|----------------------------------------------|--------------|
| flagged call, no   | assign_round_robin,  | system, when the pipeline stores the call:   | open         |
| case               | via                  | the next active inspector by id, wrapping    |              |
|                    | on_call_processed    | round (if none is active: state unassigned)  |              |
| clean call drawn   | assign_round_robin   | system (on_call_processed with the sample    | open         |
| for 抽检, no case  | (origin sample)      | rate, or sample_clean_calls): as above       |              |
| flagged call, no   | claim                | inspector                                    | open         |
| case               |                      |                                              |              |
| unassigned         | claim                | inspector (a conditional update: of two      | open         |
|                    |                      | claims one wins)                             |              |
| unassigned, open   | reassign             | supervisor; target an active inspector or    | open         |
|                    |                      | supervisor other than the owner              |              |
| open               | decide_violation     | owner; confirmed or false_positive, optional | open         |
|                    |                      | comment; may change until submitted          |              |
| open, sample case  | record_missed_       | owner; a violation the rules missed, stored  | open         |
|                    | violation            | with source inspector, decided confirmed     |              |
| open               | submit_verdict       | owner; every violation decided. verdict =    | submitted    |
|                    |                      | confirmed if any is, else all_false_positive |              |
|                    |                      | (a sample case: clean, 未发现违规)           |              |
| submitted          | escalate             | owner; verdict confirmed; non-empty proposed | escalated    |
|                    |                      | action                                       |              |
| escalated          | decide_escalation    | supervisor (four eyes, below); approve or    | decided      |
|                    |                      | reject, optional comment                     |              |
| submitted, decided | appeal               | team lead of the call's team; verdict        | appealed     |
|                    |                      | confirmed; non-empty reason; within N days   |              |
|                    |                      | (default 3) of the verdict, or of the        |              |
|                    |                      | escalation decision when there was one       |              |
| appealed           | decide_appeal        | supervisor's final judgement (终审, four     | final        |
|                    |                      | eyes): uphold, or overturn (confirmed        |              |
|                    |                      | decisions become false_positive, verdict     |              |
|                    |                      | all_false_positive, or clean if sampled)     |              |
| submitted, decided | final_judgement      | supervisor's final judgement (终审, four     | final        |
|                    |                      | eyes) without an appeal                      |              |
| final              | —                    | nothing: no further appeal or change         | —            |

Four eyes: a supervisor who submitted a case's verdict or decided any of its violations (a case can
be reassigned to a supervisor) may not decide its escalation or appeal, nor give its 终审
(``PermissionDenied``).

Anything else raises ``TransitionError`` (→ HTTP 409) with the reason. The checks run in this order:
disabled account or wrong role/not the owner → ``PermissionDenied`` (403), except that a call the
user may not see (another team's, for a team lead) → ``NotFound`` (404) first; bad argument values →
``InvalidInput`` (422). Every change appends an entry to the keyed hash-chained audit log
(``callqa.review.audit``) in the caller's transaction.

Modules: ``accounts`` (users, passwords, sign-in, API tokens), ``cases`` (reading cases),
``sampling`` (which clean calls are drawn for 抽检),
``workflow`` (the transitions),
``audit`` (append, verify, export), ``precision`` (per-rule precision from decisions).
"""
