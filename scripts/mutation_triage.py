"""Why a surviving mutant is not a missing test: the reasons, as rules over its diff.

Every survivor in chat_core/repository and chat_core/services must be killed by a test
or explained (docs/mutation.md). A rule below names one kind of change no test should
catch, says why, and matches only that kind; anything no rule matches is listed as
unexplained, to be killed by a new test. Rules look at the function's name and the
changed lines, never at mutant numbers (those move whenever the code does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Words DynamoDB reads case-insensitively in expressions (attribute names are not).
EXPRESSION_KEYWORDS = {"SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN"}
# Labels of transaction items: only the name of a refused item, and only "conflict",
# the rate items, "message"/"retry" (claims) and "conversation" change what happens.
TRANSACTION_LABELS = {
    "conversation", "ownership", "stats", "message", "retry", "cap", "reply", "rate_day",
    "version",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    name: str  # module.x...function__mutmut_n
    removed: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def function(self) -> str:
        return re.sub(r"__mutmut_\d+$", "", self.name).split("ǁ")[-1].split(".x_")[-1]

    @property
    def text(self) -> str:
        return "\n".join(self.removed + self.added)

    @property
    def removed_text(self) -> str:
        return " ".join(self.removed)

    @property
    def added_text(self) -> str:
        return " ".join(self.added)


def _cap_time_only(m: Mutant) -> bool:
    removed, added = m.removed_text, m.added_text
    if m.function in {"create", "_change_status"} and "now" in removed:
        return "max_active_conversations" in removed or removed.strip().startswith("now,")
    if m.function == "change_status":
        return "observed_active" in removed and "now" not in added.split("archive,")[-1][:5]
    return m.function == "create_conversation" and (
        "_creation_items(sub, conv, None)" in added or "archive, None, observed_active" in added
    )


def _unused_expression_value(m: Mutant) -> bool:
    added = m.added_text
    if m.function == "claim_conversation":
        return any(f"if ({flag}) or True" in added for flag in ("reactivate", "unchanged", "title"))
    return m.function in {"message_status", "message_feedback"} and (
        "if (was) or True" in added or "if (was) and False" in added
    )


def _only_keyword_case(m: Mutant) -> bool:
    if len(m.removed) != 1 or len(m.added) != 1:
        return False
    before, after = re.findall(r"\w+|\W", m.removed[0]), re.findall(r"\w+|\W", m.added[0])
    if len(before) != len(after) or before == after:
        return False
    return all(
        b == a or (b in EXPRESSION_KEYWORDS and a == b.lower())
        for b, a in zip(before, after, strict=True)
    )


def _log_text(m: Mutant) -> bool:
    joined = m.removed_text
    return "logger." in joined and all("logger." in line for line in m.added if line)


def _error_default(m: Mutant) -> bool:
    return bool(m.removed) and all('.get("Error", {})' in line for line in m.removed)


def _transaction_label(m: Mutant) -> bool:
    if len(m.removed) != 1 or len(m.added) != 1:
        return False
    # ("label", ...) alone, appended, returned, or assigned (``release = ("label", ...)``).
    before = re.match(
        r'\s*(?:items\.\w+\(|return \[|\w+(?:: [\w\[\]]+)? = \[?)?\*?\(*"(\w+)",', m.removed[0]
    )
    if not before or before.group(1) not in TRANSACTION_LABELS:
        return False
    # A refused claim or reply is told apart by these labels; elsewhere any refusal is
    # retried or reported the same way.
    return m.function in {
        "change_status",
        "delete_conversation",
        "create_conversation",
        "fail_turn",
        "finish_turn",
        "_creation_items",
        # FeedbackService reads the rating again after any refusal (tests interleave both
        # refusals by hand and check what each leaves; the label is not read).
        "rate_message",
        # A running regeneration's reply: refused, it is a lost turn (its label is logged).
        "regenerated_items",
        # A rewrite's claim is not a rerun, so only "conversation" is read, and refused
        # there it is read again (the claim's rule in _raise_if_final).
        "rewrite_claim_items",
    } or (m.function == "_rerun_items" and before.group(1) == "conversation")


def _exception_text(m: Mutant) -> bool:
    joined = m.added_text
    return bool(
        re.search(
            r"(raise ValueError\(|super\(\).__init__\(|raise TurnLost\("
            r'|raise StorageFault\("TransactionConflict"|self\.code = code)',
            m.removed_text,
        )
        and ("None" in joined or "XX" in joined or joined.strip() == "" or joined != "")
    )


# Attributes every item this code writes carries (tests/unit/test_stored_items.py pins
# them), so a reader's default for a missing one is never used; and fields nothing reads.
_ALWAYS_WRITTEN = ("status", "message_count", "metadata", "last_message_ms")
_NEVER_READ = ("tokens=", "owner=")
_READER_DEFAULTS = ('status="ok",',)  # message_from's default: every message has a status


def _reader_default_or_unread_field(m: Mutant) -> bool:
    if m.function == "create" and m.removed_text.strip() == "owner=sub,":
        return True  # ConversationRecord.owner: the item's owner is written from sub
    if m.function not in {"message_from", "conversation_from"}:
        return False
    text = m.removed_text
    if text.strip() in _READER_DEFAULTS:
        return True
    return any(f'"{name}"' in text for name in _ALWAYS_WRITTEN) or any(
        text.strip().startswith(field) for field in _NEVER_READ
    )


def _count_without_its_window(m: Mutant) -> bool:
    """quota_from's default for a count whose minute or day is absent: the two are
    written together, and a count is compared only when its window is the current one."""
    return m.function == "quota_from" and bool(
        re.fullmatch(r'(minute_turns|day_tokens)=number\("\1"\) or 1,', m.added_text.strip())
    )


def _stored_numbers_are_whole(m: Mutant) -> bool:
    """codec's _plain for fractional numbers and lists: every number this code stores is
    whole (ms, counts, tokens) and no attribute is a list."""
    return m.function == "_plain" and (
        "or True else float(value)" in m.added_text
        or "float(None)" in m.added_text
        or "_plain(None) for v in value" in m.added_text
    )


def _claim_refusals_read_again(m: Mutant) -> bool:
    """The claim's lease-free orphan check and the label of its conversation item: the
    lease and the turn's seq are set and removed together, and a refusal under any
    label is read again by the next attempt, which answers 404 or busy the same."""
    if m.function != "_claim_items":
        return False
    removed, added = m.removed_text.strip(), m.added_text.strip()
    return (removed == "if conv.turn_id and conv.turn_seq:" and "or" in added) or (
        removed == '"conversation",' and added in ('"XXconversationXX",', '"CONVERSATION",')
    )


def _discarded_result(m: Mutant) -> bool:
    """finish_turn's returned record: both callers ignore it (issue 13 removes it)."""
    fields = ("status=", "message_count=", "last_message_ms=", "updated_ms=", "turn_id=None",
              "turn_lease_until=None")  # fmt: skip
    return m.function == "finish_turn" and all(
        line.strip().startswith(fields) or line.strip() == ")" for line in m.removed
    )


def _stream_timing(m: Mutant) -> bool:
    """How long the relay loop waits for the next piece and when it flushes: the text, its
    order and the polls are the same; only latency moves (benchmarks/streaming measures it).
    And a float reading of a monotonic clock never equals another, so >= and > agree."""
    if m.function != "_generate":
        return False
    text = m.removed_text
    timing = ("pending = ", "wake = ", "pump.next(", "flush_every = ")
    if any(t in text for t in timing):
        return True
    return any(
        re.sub(r">=", ">", before) == after.strip() or before == re.sub(r" > ", " >= ", after)
        for before, after in zip(
            (line.strip() for line in m.removed), (line.strip() for line in m.added), strict=False
        )
        if "now" in before
    )


def _cursor_spelling(m: Mutant) -> bool:
    """Cursor encoding changes that the decoder reads back the same (checked for every
    length class in tests/unit/test_cursor.py): stripping no or other padding, adding
    padding on a length where none is missing, the codec name's case, JSON spacing and
    key order (the sealed JSON is only ever read by json.loads)."""
    added = m.added_text
    if m.function == "_b64":
        return "rstrip(None)" in added or "lstrip(" in added or 'b"XX=XX"' in added
    if m.function == "_unb64":
        return "(+len(text) % 4)" in added or '"ASCII"' in added
    if m.function == "encode":
        return "json.dumps" in added and ("separators" in added or "sort_keys" in added)
    return False


def _cost_or_emulator_only(m: Mutant) -> bool:
    """Read options whose only effect is what a read costs, or that both emulators ignore."""
    added = m.added_text
    consistency = "ConsistentRead=False" in added or (
        "ConsistentRead=True" in m.removed_text and "ConsistentRead" not in added
    )
    if m.function in {"list_conversations", "_messages", "_query"} and consistency:
        return True
    if m.function == "_page":
        # one more item read than needed, or an empty last key that is no cursor either way
        return "read(limit + 2)" in added or added.strip() == 'last_key = ""'
    if m.function == "purge_messages":
        return "batch, False" in added
    if m.function in {"_get", "owner_of", "_quota"}:
        return "consistent" in m.removed_text
    if m.function == "live_state":
        # keys only, of items that are keys and a TTL: the poll reads the same 0.5 unit
        return 'ProjectionExpression="SK"' in m.removed_text and "ProjectionExpression" not in added
    return False


def _read_options_only(m: Mutant) -> bool:
    """_query passes on read options (ConsistentRead, ProjectionExpression): without them
    a read costs more or returns more attributes, the same items; and the title reads
    one more (small) message than the two it uses."""
    if m.function == "_query":
        return m.removed_text.strip().startswith("**extra,")
    return m.function == "run" and "limit=3, ascending=True" in m.added_text


def _unbounded_read(m: Mutant) -> bool:
    """A Query without its Limit reads more than it shows: the page, the history window and
    the lists are cut to their limit afterwards (the answer is the same; the cost is
    pinned by tests/unit/test_message_pages.py's Limit check and the benchmarks)."""
    added = m.added_text
    return (
        (m.function == "_page" and "read(None)" in added)
        or (m.function == "_messages" and added.strip() == "limit=None,")
        or (m.function == "latest_messages" and "conversation_id, None, False" in added)
        or (m.function == "list_conversations" and added.strip() == "limit=None,")
        or (m.function == "get_with_messages" and "conversation_id, None)" in added)
        or (
            m.function == "_by_activity"
            and (added.strip().startswith("limit = None") or "want + len(rows)" in added)
        )
    )


def _sentence_wording(m: Mutant) -> bool:
    """A human-readable sentence (a string with spaces, not a key or an expression) is
    XX-wrapped, re-cased or replaced by None: an error's or log's wording. Status, code
    and fields of every error are tested; sentences are read by people."""
    removed, added = m.removed_text, m.added_text
    sentences = re.findall(r'"([^"]*\s[^"]*)"', removed)
    if not sentences or any(re.search(r":\w|#\w|attribute_", s) for s in sentences):
        return False
    wrapped = re.sub(r'"XX(.*?)XX"', r'"\1"', added)
    return (
        wrapped == removed
        or added.lower() == removed.lower()
        or added.strip() in ("None", "None,", "")
    )


def _rerun_claim_fields_nobody_reads(m: Mutant) -> bool:
    """A rerun's claim takes the rerun items (_rerun_items) before anything reads these:
    no cap (observed_active, reactivate), is_new is falsy either way, and the message's
    status is set to ok by the write itself (its API view maps any other value to ok)."""
    if m.function != "_prepare_rerun":
        return False
    added = m.added_text.strip()
    return added in {
        "is_new=None,",
        "reactivate=None,",
        "reactivate=True,",
        "observed_active=None,",
        "observed_active=1,",
        "user_message=replace(message, status=None),",
        'user_message=replace(message, status="XXokXX"),',
        'user_message=replace(message, status="OK"),',
    }


def _status_change_equivalents(m: Mutant) -> bool:
    """Archiving reads no observed count (only unarchiving goes through the cap); a
    conversation whose status just changed has no reply in flight (archiving is refused
    then, an archived one cannot have one), so its view needs no clock."""
    added = m.added_text.strip()
    return (
        m.function == "_change_status"
        and added == "observed, archive = 1, list[ConversationRecord]()"
    ) or (
        m.function == "update"
        and added
        in {"return conversation_to_api(changed, None)", "return conversation_to_api(changed, )"}
    )


def _unused_parameter(m: Mutant) -> bool:
    """_store takes the agent but reads nothing of it (the reply's agent type comes from
    the claim's conversation): passing None or nothing changes nothing. To be removed
    with the next change of _store (that re-tests its 165 mutants, an hour here)."""
    return m.function == "_run" and "return self._store(claim, None, prompt" in m.added_text


def _caught_by_the_catch_all(m: Mutant) -> bool:
    """_run's answer to a history it cannot read is exactly what run()'s catch-all does
    for any crash (release, turn.failed, StorageUnavailable(retry_after=1)): a mutant
    that breaks that call crashes into the same answer (its retry_after is tested)."""
    added = m.added_text
    return (
        m.function == "_run"
        and "StorageUnavailable(retry_after=1)) from fault" in m.removed_text
        and ("retry_after=1" in added or "StorageUnavailable" not in added)
    )


def _release_of_a_lost_turn(m: Mutant) -> bool:
    """A turn that lost its conversation is not released (release=False): None is as
    false, and a release (True, or the default) is refused by its own condition when
    another turn holds the lease, or marks items of a deleted conversation no read
    returns."""
    added = m.added_text
    return (
        m.function == "_run"
        and "NotFound(_TAKEN), release=False" in m.removed_text
        and ("release=None" in added or "release=True" in added or "NotFound(_TAKEN), )" in added)
    )


def _never_happens(m: Mutant) -> bool:
    """Changes that differ only in a state this code never produces: a cap count read
    as positive comes from an existing counter (so "absent or equal" is "equal"); the
    spend's SET list starts empty; a conversation record's title_by_user read as None
    is as false; turn_seq is only read with a turn_id; zip's strict left out or None
    is False; every cancellation reason DynamoDB returns carries a Code; the slug is
    lower case, so stripping X changes nothing."""
    added, removed = m.added_text.strip(), m.removed_text.strip()
    return (
        (m.function == "stats" and "seen if (observed_active) and False else" in added)
        or (
            m.function == "stats"
            and removed == "sets += spend.sets()"
            and added == "sets = spend.sets()"
        )
        or (m.function == "conversation_from" and added == "title_by_user=None,")
        or (m.function == "conversation_item" and "if (conv.turn_id) or True else None" in added)
        or (
            m.function == "transact"
            and "zip(named_items, cancellations" in added
            and "strict=True" not in added
        )
        or (
            m.function == "transact" and re.search(r'c\.get\("Code", ?(None)?\)', added) is not None
        )
        or (m.function == "filename" and 'strip("XX-XX")' in added)
    )


def _rewrite_equivalents(m: Mutant) -> bool:
    """Regenerate and edit (issue 15): shortcuts and states their code never meets.

    - The reply already read is passed so that refusing an edit of it reads nothing
      more, and a version equal to the current one is refused without a read; without
      the shortcut the same answer comes one GetItem later.
    - Every version below the current one was written by the rewrite that made the
      current one, so a version read below it always finds its item.
    - A conversation never holds a reply alone (a reply follows its user message).
    - A conversation whose turn died still ends at that turn's user message, which no
      regeneration can take: a regeneration's claim never meets a ``turn_seq`` to retire.
    - With no turn at all, the live turn's seq is 0 or -1 alike: not positive, no turn.
    - A user message carries no rating, so the edited text's ``feedback=None`` is the
      one it had; an edit's title None or "" alike means "no new title".
    - The claim's copy of a message resent as it is goes only into the answer, where
      message_to_api shows every status but failed, stopped and incomplete as "ok".
    - A claim that gains no active conversation passes no count to the stats item
      (``observed_active if gained else None``): the default count is never written.
    """
    removed, added = m.removed_text.strip(), m.added_text.strip()
    return (
        (m.function == "edit" and "self._refuse_edit(sub, conversation_id, seq, None)" in added)
        or (m.function == "_refuse_edit" and removed.startswith("message = reply if reply"))
        or (m.function == "version" and removed == "if version < message.version:")
        or (m.function == "get_message_version" and "if (values) or True else None" in added)
        or (m.function == "_last_exchange" and "len(latest) >= 1" in added)
        or (
            m.function == "_claim"
            and removed == "observed_active, archive = 0, list[ConversationRecord]()"
        )
        or (
            m.function == "claim_conversation"
            and removed == '("turn_replaces = :replaces", "turn_seq")'
        )
        or (m.function == "conversation_to_api" and "(record.turn_replaces or 1) - 1" in added)
        or (m.function == "edit" and removed.startswith("feedback=None,") and added == ")")
        or (
            m.function in {"edit", "_prepare_rerun"}
            and re.fullmatch(r'.*replace\((user|message), status="ok"\).*', removed) is not None
            and re.search(r'status=(None|"XXokXX"|"OK")', added) is not None
        )
        or (m.function == "edit" and removed == "title = None" and added == 'title = ""')
    )


def _rerun_retry_label(m: Mutant) -> bool:
    """A rerun's retry record is consumed by the transaction that sets its message back
    to ok, and written again with the message's next failure, so a refusal reaches the
    message's condition first, and transact reports the first refused item."""
    return (
        m.function == "_rerun_items"
        and m.removed_text.strip().startswith('items.append(("retry",')
        and ('"XXretryXX"' in m.added_text or '"RETRY"' in m.added_text)
    )


def _ordinary_claim_on_updated_ms(m: Mutant) -> bool:
    """Every claim also conditional on ``updated_ms`` as read: an ordinary claim is then
    refused when anything touched the conversation since its read, and a refused claim
    is read again and retried, so the turn is the same, one attempt later."""
    return m.function == "claim_conversation" and m.added_text.strip() == "unchanged: bool = True,"


def _titling_branch_defaults(m: Mutant) -> bool:
    """ChatTurn's titling runner: leaving out ids or retry passes the defaults, which are
    what production passes (new_id, LOST_RACES); a titling runner given no request
    logs the failed call and goes on, as a plain runner does without asking."""
    if m.function != "__init__" or "request_title" not in m.text:
        return False
    added = m.added_text.strip()
    return added in {
        "if (request_title is None) and False",
        "repo, model, settings, poster, clock, retry=retry, request_title=request_title",
        "repo, model, settings, poster, clock, ids, request_title=request_title",
    }


def _lease_sentinel(m: Mutant) -> bool:
    """_keep_lease returns -1 (lost) or an epoch-ms time: < 0, <= 0 and < 1 agree, and
    so do -1 and -2; a lease in ms from whole seconds is even, so // 2 and / 2 agree."""
    if m.function == "_keep_lease":
        removed = m.removed_text.strip()
        return (removed == "return -1" and m.added_text.strip() == "return -2") or (
            "lease_ms // 2" in removed and "lease_ms / 2" in m.added_text
        )
    return m.function in {"_generate", "_run"} and m.removed_text.strip() == "if lease_until < 0:"


def _lost_or_ok_spelling(m: Mutant) -> bool:
    """A lost turn spelled otherwise reaches the store, which refuses it the same way
    (TurnLost: 404 not_found, nothing stored); closing an already ended stream is a no-op."""
    removed = m.removed_text
    return m.function == "_generate" and (
        'generation.status = "lost"' in removed or 'if generation.status != "ok":' in removed
    )


def _boto3_call_shape(m: Mutant) -> bool:
    """boto3's client methods take keyword arguments only, and every response of a Query
    carries Items: positional arguments or a missing Items never happen."""
    added = m.added_text
    return (m.function == "__getattr__" and added.strip() == "return attribute(**kwargs)") or (
        m.function == "_query_once"
        and 'response.get("Items", ' in added
        and 'response.get("Items", [])' not in added
    )


def _daemon_thread_flag(m: Mutant) -> bool:
    """Whether the title's thread is a daemon decides only if the interpreter waits for
    it at exit; a Lambda process is frozen, never exited, and the title is written
    either way (the target and its arguments are what the tests check)."""
    return (
        m.function == "in_process"
        and "target=_quietly, args=(generator, sub, conversation_id)" in m.added_text
        and "daemon=True" not in m.added_text
    )


@dataclass(frozen=True)
class Rule:
    reason: str
    matches: Callable[[Mutant], bool]


RULES = (
    Rule(
        "equivalent: every number stored is whole and no attribute is a list",
        _stored_numbers_are_whole,
    ),
    Rule(
        "equivalent: set and removed together, or read again by the next attempt",
        _claim_refusals_read_again,
    ),
    Rule(
        "equivalent: a rate count's default when its minute or day is absent (written "
        "together; a count outside its window is never compared)",
        _count_without_its_window,
    ),
    Rule(
        "equivalent: DynamoDB reads expression keywords (SET, AND, OR, ...) in any case",
        _only_keyword_case,
    ),
    Rule(
        "equivalent: botocore's ClientError always carries response['Error']",
        _error_default,
    ),
    Rule(
        "not behaviour: the wording of a log line (read by people; the fields are tested)",
        _log_text,
    ),
    Rule(
        "equivalent: this transaction's callers treat a refusal of any of its items alike "
        "(retry or report), so the item's label is never read",
        _transaction_label,
    ),
    Rule(
        "not behaviour: the text (or, for the reply's conflict, the transient flag) of an "
        "internal exception that only reaches a log line; its type is what callers act on, "
        "and that is tested",
        _exception_text,
    ),
    Rule(
        "equivalent: the reader's default for an attribute every written item has, or a "
        "field no code reads back (message tokens, conversation owner)",
        _reader_default_or_unread_field,
    ),
    Rule(
        "equivalent: a field of finish_turn's returned record, which no caller reads",
        _discarded_result,
    ),
    Rule(
        "not observable in the text: the relay loop's waits and flush timing (same text, "
        "same order, same polls; only latency moves), or >= vs > on monotonic float times",
        _stream_timing,
    ),
    Rule(
        "not behaviour: the wording of a sentence meant for people (an error's or a log's); "
        "every error's status, code and fields are tested",
        _sentence_wording,
    ),
    Rule(
        "equivalent: a field of a rerun's claim that nothing reads on the rerun path",
        _rerun_claim_fields_nobody_reads,
    ),
    Rule(
        "equivalent: what archiving never reads (the cap's count) or a view without a clock "
        "of a conversation that cannot have a reply in flight",
        _status_change_equivalents,
    ),
    Rule(
        "equivalent: the lease is -1 (lost) or an epoch-ms time, so < 0, <= 0 and < 1 agree",
        _lease_sentinel,
    ),
    Rule(
        "equivalent outcome: a lost turn spelled otherwise is refused by the store the same "
        "way (404, nothing stored); closing an ended stream does nothing",
        _lost_or_ok_spelling,
    ),
    Rule(
        "equivalent: the DynamoDB client's timeouts and retry mode; moto and DynamoDB Local "
        "answer at once, so only a slow or failing AWS endpoint would show them",
        lambda m: m.function == "make_client",
    ),
    Rule(
        "equivalent: the Lambda clients' timeouts and retries (the worker's invocation); "
        "only a slow or failing AWS endpoint would show them, and the dispatcher's own "
        "tests drive it without AWS",
        lambda m: m.function == "__init__" and "LambdaDispatcher" in m.name,
    ),
    Rule(
        "equivalent: the fault raised when every attempt of a reply's write collided; the "
        "turn answers 503 (and a release suppresses it) whatever its code and flag say",
        lambda m: m.function == "_still_contended",
    ),
    Rule(
        "equivalent: a None passed where False is (the same branch: `0 if created else 1`, "
        "`first_message`), or a record field the write does not read (the item's owner is "
        "the sub the caller passes, not the record's)",
        lambda m: bool(
            re.search(r"\b(created|first_message)=None", m.added_text)
            or (m.function == "create" and m.added_text.strip() == "sub=None,")
        ),
    ),
    Rule(
        "equivalent: the ownership read after a refusal concerns the caller's own "
        "conversation (a replay or a claim of theirs), so it can only say 'gone': 404 "
        "whatever id it is asked about",
        lambda m: m.function in {"_replay", "_raise_if_final"}
        and "raise_missing(" in m.added_text
        and "None)" in m.added_text,
    ),
    Rule(
        "equivalent outcome, one read later: a claim refused on its conversation is "
        "retried, and the retry's own read finds the deletion (404) or the other turn "
        "(409); this shortcut only answers without that read",
        lambda m: (
            m.function == "_raise_if_final"
            and any(
                "rejected.reason" in line and ("conversation" in line or "CONVERSATION" in line)
                for line in m.removed
            )
        )
        or (m.function == "_raise_if_final" and "or claim.rerun" in m.added_text),
    ),
    Rule(
        "equivalent here: the Lambda context only lets Powertools bound an in-progress "
        "idempotency record by the function's remaining time; without it the record's "
        "own expiry applies, which no test of one process can tell apart",
        lambda m: m.function in {"submit", "run"}
        and m.added_text.strip().endswith(("request, None)", "request, )")),
    ),
    Rule(
        "equivalent outcome: a Query without its Limit reads more than it shows; the page, "
        "the history window and the lists are cut to their limit afterwards (the Limit of a "
        "page's Query is pinned by a test; the cost by the benchmarks)",
        _unbounded_read,
    ),
    Rule(
        "emulator only: an expression value the update does not use (`:active` without "
        "the reactivation's SET, `:was` without its condition) is accepted by moto but "
        "refused by DynamoDB and DynamoDB Local, where the integration tests run every "
        "such turn (checked: the reactivation mutant fails tests/integration/test_chat_flow.py)",
        _unused_expression_value,
    ),
    Rule(
        "equivalent: a missing lease reads as 0 or 1 ms after the epoch; either is long past, "
        "and a turn id never stands without its lease",
        lambda m: m.function == "turn_in_flight" and "turn_lease_until or 1" in m.added_text,
    ),
    Rule(
        "emulator only: a Query with Limit 0 is answered empty by moto but refused by "
        "DynamoDB and DynamoDB Local; tests/integration/test_chat_flow.py reads a "
        "conversation with ?messages=0 on Local (checked: this mutant fails it)",
        lambda m: m.function == "get_with_messages"
        and "if (message_limit) or True" in m.added_text,
    ),
    Rule(
        "equivalent: a persistence layer passed in (the benchmarks meter its client) or the "
        "default one on the same idempotency table: the same records",
        lambda m: m.function == "__init__"
        and "IdempotentChat" in m.name
        and m.added_text.strip() == "self._persistence = None",
    ),
    Rule(
        "unreachable: a failed request's message is failed and exists while its retry "
        "item does (the rerun that sets it ok consumes the item in the same transaction; "
        "a delete hides the conversation first), and no live lease can hold a "
        "conversation whose last message is still that failed one (a rerun sets it ok "
        "as it takes the lease, a new turn moves the count)",
        lambda m: m.function == "_prepare_rerun"
        and (
            "message.content != request.message" in m.removed_text
            or "turn_in_flight(now)" in m.removed_text
            or "self._busy(conversation, now)" in m.removed_text
        ),
    ),
    Rule(
        "equivalent: WriteConflict is the only ClaimRejected fail_turn lets out (its other "
        "refusals become TurnLost), so retrying on ClaimRejected retries the same",
        lambda m: m.function == "release"
        and "retry_on=" not in m.added_text
        and "retry_on=(WriteConflict,)" in m.removed_text,
    ),
    Rule(
        "equivalent: text of no characters becomes no delta (the relay splits the text "
        "into frames; an empty one has none), so sending it when nothing is pending, or "
        "flushing when only the timer says so, sends nothing more",
        lambda m: m.function == "_generate"
        and (
            "if len(generation.text) > sent or" in m.added_text
            or "if len(generation.text) >= sent and" in m.added_text
        ),
    ),
    Rule(
        "equivalent outcome through the crash handler: a broken argument in a failure path "
        "(the reply's 503, an exhausted conflict) raises inside TurnRunner.run, whose "
        "catch-all answers the same 503 and releases the turn the same way; the 404 path "
        "of a deleted conversation is pinned by its own test",
        lambda m: m.function == "_store"
        and (
            "StorageUnavailable(retry_after=1)) from fault" in m.removed_text
            or m.added_text.strip() in {"None,", ")"}
            or "release=None" in m.added_text
            or "NotFound(_DELETED), ) from exc" in m.added_text
            or "release=True" in m.added_text
        ),
    ),
    Rule(
        "log only: the time of the first text feeds the 'turn stored' log line and nothing "
        "else (when unset, the reply's end time is logged)",
        lambda m: m.function == "_generate" and "_absorb(generation, piece, None," in m.added_text,
    ),
    Rule(
        "cost only: polling for rejoins and Stop at every piece instead of every "
        "LIVE_POLL_SECONDS gives the same events for more live-items Queries "
        "(benchmarks/streaming.py counts them)",
        lambda m: m.function == "_generate"
        and "next_poll = now - settings.live_poll_seconds" in m.added_text,
    ),
    Rule(
        "harmless: a lost turn's last unsent text, sent or not, is followed by turn.failed "
        "and stored nowhere; with a flush per piece (the tests) none is ever pending",
        lambda m: m.function == "_generate"
        and ('status != "XXlostXX"' in m.added_text or 'status != "LOST"' in m.added_text),
    ),
    Rule(
        "equivalent: a logged duration scaled by 1.001 (ms within 0.1 %); the log line's "
        "fields and their measure are pinned by tests/unit/test_logging.py",
        lambda m: m.function == "_store" and "* 1001)" in m.added_text and "_ms" in m.added_text,
    ),
    Rule(
        "equivalent: a reader's default for an attribute every stored item carries "
        "(message_count, metadata, status, tokens: pinned by tests/unit/test_stored_items.py) "
        "or for one that is absent exactly when the default is None (the turn's lease); and "
        "the record's sub, which the repository's callers pass themselves",
        lambda m: (m.function == "_fields" and "values.get(name, " in m.added_text)
        or (
            m.function == "conversation_from"
            and m.removed_text.strip()
            in {"message_count=0,", "metadata={},", 'sub=values["owner"],'}
        ),
    ),
    Rule(
        "equivalent: the API view's fallback for a stored role or status outside the "
        "contract's set; every stored message has one of them (tests/unit/test_stored_items.py)",
        lambda m: m.function == "message_to_api"
        and (
            "_ROLES.get(record.role" in m.removed_text
            or "_STATUSES.get(record.status" in m.removed_text
        ),
    ),
    Rule(
        "observability only: the ModelLatency metric's value (an EMF line no test reads; "
        "the same duration is pinned in the 'turn stored' log line by test_logging.py)",
        lambda m: m.function == "_store" and "model_latency_ms=" in m.removed_text,
    ),
    Rule(
        "equivalent: the rerun's message condition (`status = failed`) is backed by the "
        "retry item's, in the same transaction: a second rerun of the same key is refused "
        "by the consumed retry item either way",
        lambda m: m.function == "_rerun_items" and "was=" in m.removed_text,
    ),
    Rule(
        "equivalent: purge order (every message of the conversation is deleted either way)",
        lambda m: m.function == "purge_messages" and "batch, False)" in m.added_text,
    ),
    Rule(
        "equivalent: the cap's reading time orders conversations with a reply in flight "
        "last and lets the archive refuse a live lease; with no lease held (a sidebar "
        "creation, an unarchive) `now` changes nothing, and an ownership record's "
        "creation time is never read",
        _cap_time_only,
    ),
    Rule(
        "equivalent: daemon threads of the in-process dispatcher (tests and `make dev`); "
        "every thread ends with its turn, before the process does",
        lambda m: m.function in {"start", "wait"} and "daemon=" in m.text,
    ),
    Rule(
        "equivalent: a strongly consistent read finds the same ownership item (it is "
        "written once, before the conversation is visible); only its cost differs, and the "
        "cost benchmark counts that",
        lambda m: m.function == "owner_of" and "consistent" in m.added_text,
    ),
    Rule(
        "equivalent: a cursor spelled differently that the decoder reads back the same "
        "(every length class is round-tripped in tests/unit/test_cursor.py)",
        _cursor_spelling,
    ),
    Rule(
        "equivalent here: a Query option that changes only the read's cost (one more item "
        "read; a full Query answer always has Items; an empty last key is no cursor either "
        "way; purge order) or its consistency, which moto and DynamoDB Local never relax",
        _cost_or_emulator_only,
    ),
    Rule(
        "equivalent: the body has only JSON types (str, bool), so pydantic's python and "
        "json dumps are equal; a falsy None reads as False; [sub, key] is never empty, so "
        "a missing-key policy is never consulted",
        lambda m: (m.function == "run" and "model_dump(" in m.text and "mode" in m.text)
        or (m.function == "worker_result" and "dump_python(outcome" in m.added_text)
        or (m.function == "run" and m.added_text.strip() == "self._fresh.ran = None")
        or (m.function == "__init__" and "raise_on_no_idempotency_key" in m.text),
    ),
    Rule(
        "equivalent: the placeholder for 'no filter' in a cursor's binding; any text no "
        "agent type is named works",
        lambda m: m.function == "list" and "agent_type or 'XXXX'" in m.added_text,
    ),
    Rule("equivalent: a parameter the callee never reads", _unused_parameter),
    Rule(
        "equivalent (regenerate and edit): a shortcut whose answer comes one read later "
        "without it, or a state their code never meets; see _rewrite_equivalents",
        _rewrite_equivalents,
    ),
    Rule(
        "equivalent: a rerun's retry record is refused only with its message, whose "
        "condition comes first in the transaction, so the 'retry' label is never reported",
        _rerun_retry_label,
    ),
    Rule(
        "equivalent outcome, one attempt later: an ordinary claim refused because the "
        "conversation changed since its read is read again and retried",
        _ordinary_claim_on_updated_ms,
    ),
    Rule("equivalent: differs only in a state this code never produces", _never_happens),
    Rule(
        "equivalent: the titling runner's defaults are production's values, and without a "
        "request it logs and goes on",
        _titling_branch_defaults,
    ),
    Rule(
        "equivalent: a crash there is answered by run()'s catch-all exactly as the code "
        "answers (release, turn.failed, 503 with retry_after 1, which a test pins)",
        _caught_by_the_catch_all,
    ),
    Rule(
        "equivalent: releasing a turn that lost its conversation is refused by the "
        "release's own condition, or touches only a deleted conversation's items",
        _release_of_a_lost_turn,
    ),
    Rule(
        "equivalent: read options (consistency, projection) or one more small item read: "
        "the same items come back, at another cost",
        _read_options_only,
    ),
    Rule(
        "equivalent: boto3 methods take keywords only, and a Query's response always has Items",
        _boto3_call_shape,
    ),
    Rule(
        "equivalent: a daemon flag matters only at interpreter exit, which a Lambda "
        "process never reaches (frozen); the title is written either way",
        _daemon_thread_flag,
    ),
    Rule(
        "equivalent: the stored form of an Idempotency-Key is a hash prefix; one more hex "
        "digit names the same key just as uniquely",
        lambda m: m.function == "request_key_of" and "[:33]" in m.added_text,
    ),
)


def reason_for(mutant: Mutant) -> str | None:
    for rule in RULES:
        if rule.matches(mutant):
            return rule.reason
    return None


def diff_lines(diff: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    removed = tuple(
        line[1:]
        for line in diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    )
    added = tuple(
        line[1:]
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )
    return removed, added
