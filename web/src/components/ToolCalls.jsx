// The tools the agent called for a reply: one compact, collapsible card per call, live
// while it runs (no result yet) and after a reload (the stored reply's tool_calls).

function status(call) {
  if (call.output === undefined) return "running…";
  if (call.error) return `failed after ${call.duration_ms} ms`;
  return `done in ${call.duration_ms} ms`;
}

function ToolCard({ call }) {
  const state = call.output === undefined ? "running" : call.error ? "error" : "done";
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
