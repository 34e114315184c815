import { useState } from "react";

// The tools the agent called for a reply: one compact, collapsible card per call, live
// while it runs (no result yet) and after a reload (the stored reply's tool_calls).

function status(call) {
  if (call.approval === "pending") return "waiting for your approval";
  if (call.approval === "rejected") return "rejected";
  if (call.output === undefined) return "running…";
  if (call.error) return `failed after ${call.duration_ms} ms`;
  return `done in ${call.duration_ms} ms`;
}

function ToolCard({ call }) {
  const state =
    call.approval === "pending" ? "pending" : call.output === undefined ? "running" : call.error ? "error" : "done";
  return (
    <details className="tool-call" data-tool={call.name} data-state={state}>
      <summary>
        <span className="tool-name">{call.name}</span> <span className="tool-status">{status(call)}</span>
      </summary>
      <div className="tool-body">
        <div className="tool-label">Arguments</div>
        <pre>{call.arguments || "{}"}</pre>
        {call.output !== undefined && (
          <>
            <div className="tool-label">{call.error ? "Error" : "Output"}</div>
            <pre>{call.output}</pre>
          </>
        )}
      </div>
    </details>
  );
}

/** ``calls``: the stored ToolCall objects, or a live turn's (output missing while running). */
export function ToolCalls({ calls }) {
  if (!calls || calls.length === 0) return null;
  return (
    <div className="tool-calls" aria-label={`${calls.length} tool call${calls.length > 1 ? "s" : ""}`}>
      {calls.map((call) => (
        <ToolCard key={call.id} call={call} />
      ))}
    </div>
  );
}

/** The tool sources (MCP servers) a live reply goes without, and why. */
export function UnavailableTools({ sources }) {
  if (!sources || sources.length === 0) return null;
  return (
    <div className="tools-unavailable" role="status">
      {sources.map(({ source, reason }) => (
        <div key={source}>
          Tools from <strong>{source}</strong> are unavailable: {reason}.
        </div>
      ))}
    </div>
  );
}

/** A reply waiting for the user's approval: what the assistant wants to run, and the
 * decision (a rejection's reason reaches the model). Past its expiry a decision counts
 * as a rejection, so only Reject is offered. */
export function ApprovalPrompt({ message, onDecide, disabled }) {
  const [reason, setReason] = useState("");
  const pending = (message.tool_calls || []).filter((call) => call.approval === "pending");
  if (message.status !== "awaiting_approval" || pending.length === 0) return null;
  const expired = message.approval_expires_at && Date.parse(message.approval_expires_at) <= Date.now();
  const names = pending.map((call) => call.name).join(", ");
  if (!onDecide) {
    return <div className="approval-note">Not run: {names} waited for an approval that was not given.</div>;
  }
  return (
    <div className="approval" role="group" aria-label={`Approve ${names}?`}>
      <div className="approval-ask">
        {expired ? (
          <>This request expired: {names} will not run.</>
        ) : (
          <>
            The assistant wants to run <strong>{names}</strong> (see the arguments above).
          </>
        )}
      </div>
      <input
        className="approval-reason"
        aria-label="Reason (optional, for a rejection)"
        placeholder="Why not? (optional: the assistant reads it)"
        value={reason}
        maxLength={1000}
        onChange={(e) => setReason(e.target.value)}
      />
      <button type="button" className="approve" onClick={() => onDecide(message, true)} disabled={disabled || expired}>
        Approve
      </button>
      <button type="button" className="reject" onClick={() => onDecide(message, false, reason)} disabled={disabled}>
        Reject
      </button>
    </div>
  );
}
