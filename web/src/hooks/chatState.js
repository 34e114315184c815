// The chat screen's state as an explicit state machine: every change is a named action,
// so no async callback can overwrite what the user typed or put a reply in the wrong
// conversation.
//
// Rules it keeps:
// - Drafts belong to the user, one per conversation (and one for a new conversation):
//   sending clears that conversation's draft (SEND_STARTED); nothing else but the user's
//   typing (DRAFT) and a failed send with an empty box (SEND_FAILED) changes one, and
//   switching conversations never carries a draft along.
// - Live turns are kept by turn id, whatever conversation is on screen; the screen shows
//   only the live turn of its own conversation. So events that come before the 202, or
//   for another conversation, are never lost and never misplaced.
// - The text of a live turn is rebuilt from offsets: a repeat is dropped, a late joiner's
//   turn.started replaces what it had only when it knows more.
// - A turn answers its user message (userSeq); stored messages after it are being
//   replaced (a regeneration, a Continue) and are not shown while it runs. A regeneration
//   that fails leaves them as they were; an edit took them out when the server accepted it.
// - A live turn's reasoning is rebuilt from offsets like its text; ``startedAt`` (the
//   server's, from turn.started) lets the screen say how long the model has been thinking.

export const initialChatState = {
  conversationId: null,
  conversation: null,
  messages: [],
  loading: false,
  loadError: null,
  drafts: {}, // conversation id (or NEW_DRAFT) -> what the user is writing there
  sending: false, // the POST of a message is on its way
  stopping: false,
  error: null,
  turns: {}, // turnId -> { turnId, conversationId, text, points, reasoning, reasoningPoints, tools, userSeq, startedAt }
  ended: {}, // turnId -> the last event of a turn that ended off screen (maybe before its 202)
  announcement: "",
};

export const NEW_DRAFT = "new";
export const draftKey = (state) => state.conversationId || NEW_DRAFT;
export const draftOf = (state) => state.drafts[draftKey(state)] || "";
// The text of an edit being written for a conversation's message: a draft like any other.
export const editKey = (conversationId, seq) => `${conversationId}#edit#${seq}`;

function withDraft(drafts, key, text) {
  const others = { ...drafts };
  delete others[key];
  return text ? { ...others, [key]: text } : others;
}

const bySeq = (messages) =>
  [...messages].sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));

function withMessage(messages, message) {
  const others = messages.filter((m) => m.id !== message.id && (message.seq == null || m.seq !== message.seq));
  return bySeq([...others, message]);
}

// Offsets count Unicode code points (the server's characters), not the UTF-16 units
// of a JavaScript string's length: an emoji is one of the first and two of the second.
export function codePoints(text) {
  let count = 0;
  for (const _ of text) count += 1; // eslint-disable-line no-unused-vars
  return count;
}

/** ``known`` (``points`` long) with ``event``'s piece at its offset: a repeat dropped,
 * a gap left for the stored reply to fill. Appending, the usual case, costs the piece. */
function atOffset(known, points, event) {
  if (event.offset > points) return [known, points];
  const end = event.offset + codePoints(event.text);
  if (end <= points) return [known, points];
  if (event.offset === points) return [known + event.text, end];
  return [Array.from(known).slice(0, event.offset).join("") + event.text, end];
}

function applyText(turn, event) {
  if (event.type === "turn.started") {
    // The server's start (never ahead of this clock): a tab that joins late counts the
    // thinking from there.
    const serverAt = Date.parse(event.started_at ?? "");
    const startedAt = Number.isFinite(serverAt) ? Math.min(serverAt, Date.now()) : turn.startedAt;
    const points = codePoints(event.text);
    return points >= turn.points ? { ...turn, text: event.text, points, startedAt } : { ...turn, startedAt };
  }
  if (event.type === "turn.reasoning") {
    const [reasoning, reasoningPoints] = atOffset(turn.reasoning, turn.reasoningPoints, event);
    return { ...turn, reasoning, reasoningPoints };
  }
  if (event.type === "turn.tool_call") {
    if (turn.tools.some((call) => call.id === event.call_id)) return turn; // a replay
    const call = { id: event.call_id, name: event.name, arguments: event.arguments, step: event.step };
    if (event.approval) call.approval = event.approval; // waits for the user's decision
    return { ...turn, tools: [...turn.tools, call] };
  }
  if (event.type === "turn.tool_result") {
    const { output, error, duration_ms } = event;
    const tools = turn.tools.map((call) => (call.id === event.call_id ? { ...call, output, error, duration_ms } : call));
    return { ...turn, tools };
  }
  if (event.type === "turn.tool_source_unavailable") {
    if (turn.unavailable.some((source) => source.source === event.source)) return turn; // a replay
    return { ...turn, unavailable: [...turn.unavailable, { source: event.source, reason: event.reason }] };
  }
  const [text, points] = atOffset(turn.text, turn.points, event);
  return { ...turn, text, points };
}

const newTurn = ({ text = "", ...fields }) => ({
  text,
  points: codePoints(text),
  reasoning: "",
  reasoningPoints: 0,
  tools: [], // the calls so far: { id, name, arguments, step, output?, error?, duration_ms? }
  unavailable: [], // tool sources this reply goes without: { source, reason }
  startedAt: Date.now(),
  ...fields,
});

// How a stored reply ended, as the screen reader hears it (the screen's own words are
// in ChatInterface.jsx).
const ENDING_NOTES = {
  stopped: " (stopped)",
  length: " (cut short: length limit)",
  content_filter: " (cut short by the content filter)",
  error: " (cut short)",
  deadline: " (cut short: time limit)",
};

// The events of a turn still running; the others end it.
const LIVE_EVENTS = new Set([
  "turn.started",
  "turn.delta",
  "turn.reasoning",
  "turn.tool_call",
  "turn.tool_result",
  "turn.tool_source_unavailable",
]);

function onEvent(state, event) {
  const { turn_id: turnId, conversation_id: conversationId } = event;
  const known = state.turns[turnId] || newTurn({ turnId, conversationId, userSeq: event.user_message_seq });
  const onScreen = conversationId === state.conversationId;
  if (LIVE_EVENTS.has(event.type)) {
    return { ...state, turns: { ...state.turns, [turnId]: applyText(known, event) } };
  }
  const turns = { ...state.turns };
  delete turns[turnId];
  // Every ended turn is remembered: its 202 or a stale load may come after it.
  const ended = Object.fromEntries([...Object.entries(state.ended), [turnId, event]].slice(-20));
  if (!onScreen) return { ...state, turns, ended };
  state = { ...state, ended };
  if (event.type === "turn.completed") {
    const reply = event.reply;
    const note = ENDING_NOTES[reply.finish_reason] ?? (reply.status === "incomplete" ? " (cut short)" : "");
    return {
      ...state,
      turns,
      stopping: false,
      messages: withMessage(state.messages, reply),
      conversation: state.conversation ? { ...state.conversation, message_count: reply.seq, live_turn: null } : state.conversation,
      announcement: `Assistant replied${note}: ${reply.content.slice(0, 300)}`,
      error: event.error
        ? { status: 503, code: event.error.code, message: event.error.message, cutShort: true }
        : state.error,
    };
  }
  if (event.type === "turn.failed") {
    // A reply after the message answered: a regeneration failed, and that reply stays.
    const regenerating = state.messages.some((m) => m.seq > event.user_message_seq);
    return {
      ...state,
      turns,
      stopping: false,
      messages: state.messages.map((m) =>
        m.seq === event.user_message_seq && m.role === "user" && !regenerating
          ? { ...m, status: "failed", retried: false }
          : m,
      ),
      error: { status: FAILED_STATUSES[event.error.code] ?? 500, code: event.error.code, message: event.error.message },
    };
  }
  return state;
}

const FAILED_STATUSES = { agent_unavailable: 503, storage_unavailable: 503, agent_misconfigured: 502 };

/** A failed send whose message the server kept (as failed, with Retry). */
export const keptAsFailed = (failure) => failure.status === 503 || failure.code === "agent_misconfigured";

export function chatReducer(state, action) {
  const next = reduce(state, action);
  // A new conversation got its id: what the user typed meanwhile is that conversation's.
  if (!state.conversationId && next.conversationId && action.type !== "OPEN" && next.drafts[NEW_DRAFT]) {
    const { [NEW_DRAFT]: typed, ...others } = next.drafts;
    return { ...next, drafts: { ...others, [next.conversationId]: typed } };
  }
  return next;
}

function reduce(state, action) {
  switch (action.type) {
    case "OPEN": // another conversation (or a new one) on screen; drafts and live turns stay
      if (action.conversationId === state.conversationId) return state;
      return {
        ...state,
        conversationId: action.conversationId,
        conversation: null,
        messages: [],
        loading: Boolean(action.conversationId),
        loadError: null,
        error: null,
        stopping: false,
        announcement: "",
      };
    case "LOADED": {
      if (action.conversationId !== state.conversationId) return state; // the user moved on
      const { messages, live_turn: liveTurn, ...meta } = action.conversation;
      const turns = { ...state.turns };
      if (liveTurn && !turns[liveTurn.turn_id] && !state.ended[liveTurn.turn_id]) {
        turns[liveTurn.turn_id] = newTurn({ turnId: liveTurn.turn_id, conversationId: meta.id, userSeq: liveTurn.user_message_seq });
      }
      if (!liveTurn) {
        for (const [turnId, turn] of Object.entries(turns)) if (turn.conversationId === meta.id) delete turns[turnId];
      }
      const pending = state.messages.filter((m) => m.pending || m.unsent); // not on the server
      let merged = action.metaOnly ? state.messages : bySeq([...(messages ?? []), ...pending]);
      // A reply that ended after the server answered this read is not lost by it.
      for (const event of Object.values(state.ended)) {
        if (event.conversation_id === meta.id && event.type === "turn.completed") {
          merged = withMessage(merged, event.reply);
        }
      }
      return {
        ...state,
        conversation: { ...meta, live_turn: liveTurn && !state.ended[liveTurn.turn_id] ? liveTurn : null },
        messages: merged,
        loading: false,
        loadError: null,
        turns,
      };
    }
    case "LOAD_FAILED":
      if (action.conversationId !== state.conversationId) return state;
      return { ...state, loading: false, loadError: action.error };
    case "DRAFT": // the message box's draft, or (``key``) an edit's
      return { ...state, drafts: withDraft(state.drafts, action.key ?? draftKey(state), action.text) };
    case "REWRITE_STARTED":
      return { ...state, sending: true, error: null, announcement: action.announcement };
    case "REWRITE_FAILED":
      return { ...state, sending: false, error: action.error, announcement: "" };
    case "SEND_STARTED":
      return {
        ...state,
        drafts: action.fromDraft ? withDraft(state.drafts, action.draftKey, "") : state.drafts,
        sending: true,
        error: null,
        announcement: "Sending…",
        messages: [
          ...state.messages.map((m) => (m.id === action.replacing ? { ...m, retried: true } : m)),
          { id: action.pendingId, role: "user", content: action.text, pending: true, request: action.request },
        ],
      };
    case "TURN_ACCEPTED": {
      // 202: the message is stored; the reply streams (its events may have come already).
      const accepted = action.accepted;
      // An edit's reply (and anything after it) is out of the conversation on the server.
      const messages = state.messages.filter(
        (m) => m.id !== action.pendingId && !(action.edited && m.seq > accepted.user_message.seq),
      );
      const isHere = !state.conversationId || state.conversationId === accepted.conversation_id;
      // A Continue's reply goes on from its text (``seedText``) until turn.started says so.
      const turns = state.turns[accepted.turn_id]
        ? state.turns
        : {
            ...state.turns,
            [accepted.turn_id]: newTurn({
              turnId: accepted.turn_id,
              conversationId: accepted.conversation_id,
              text: action.seedText ?? "",
              userSeq: accepted.user_message.seq,
            }),
          };
      if (!isHere) return { ...state, sending: false, messages, turns };
      const here = {
        ...state,
        sending: false,
        conversationId: accepted.conversation_id,
        conversation: {
          ...(state.conversation || {}),
          id: accepted.conversation_id,
          title: accepted.title,
          agent_type: accepted.agent_type,
        },
        // Its Idempotency-Key stays with it: Retry resends the same request, which the
        // server answers on this stored message instead of storing a copy.
        messages: withMessage(messages, { ...accepted.user_message, request: action.request }),
        turns,
      };
      const early = state.ended[accepted.turn_id]; // the reply was done before the 202 came
      return early ? onEvent(here, early) : here;
    }
    case "TURN_DONE": {
      // 200/201: the whole turn in one answer (a client without live events).
      const turn = action.turn;
      const messages = state.messages.filter((m) => m.id !== action.pendingId);
      if (state.conversationId && state.conversationId !== turn.conversation_id) {
        return { ...state, sending: false, messages };
      }
      return {
        ...state,
        sending: false,
        conversationId: turn.conversation_id,
        conversation: { ...(state.conversation || {}), id: turn.conversation_id, title: turn.title, agent_type: turn.agent_type },
        messages: withMessage(withMessage(messages, turn.user_message), turn.reply),
        announcement: `Assistant replied: ${turn.reply.content.slice(0, 300)}`,
      };
    }
    case "SEND_FAILED": {
      const failure = action.error;
      let messages = state.messages;
      let { drafts, conversationId, conversation } = state;
      if (keptAsFailed(failure)) {
        // Stored with status "failed": keep it on screen with Retry.
        messages = messages.map((m) => (m.id === action.pendingId ? { ...m, id: `failed-${action.pendingId}`, pending: false, status: "failed" } : m));
        if (!conversationId && failure.conversationId) {
          conversationId = failure.conversationId;
          conversation = { id: failure.conversationId, title: "", agent_type: "" };
        }
      } else {
        messages = messages
          .filter((m) => m.id !== action.pendingId)
          .map((m) => (m.id === action.replacing ? { ...m, retried: false } : m));
        // Nothing was stored: the words go back to the box, unless the user typed anew;
        // then they stay on screen as an unsent message with Retry.
        if (action.fromDraft && !drafts[action.draftKey]) drafts = withDraft(drafts, action.draftKey, action.text);
        else if (action.fromDraft) {
          messages = [...messages, { id: `unsent-${action.pendingId}`, role: "user", content: action.text, status: "failed", unsent: true }];
        }
      }
      return { ...state, sending: false, messages, drafts, conversationId, conversation, error: failure, announcement: "" };
    }
    case "STOPPING":
      return { ...state, stopping: true };
    case "STOP_FAILED":
      return { ...state, stopping: false };
    case "EVENT":
      return onEvent(state, action.event);
    case "DISMISS_ERROR":
      return { ...state, error: null };
    default:
      return state;
  }
}

/** The messages to show: not those a live turn is replacing (a regeneration's old reply). */
export function shownMessages(messages, live) {
  return live ? messages.filter((m) => m.seq == null || m.seq <= live.userSeq) : messages;
}

/** The live turn of the conversation on screen, if one is being written. */
export function liveTurnOnScreen(state) {
  if (!state.conversationId) return null;
  return Object.values(state.turns).find((t) => t.conversationId === state.conversationId) || null;
}
