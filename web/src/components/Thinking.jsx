// The model's thinking: how long it has been at it before its first word, and its
// visible reasoning (when its server streams it) collapsed above the answer.
import { useNow } from "../hooks/useNow.js";
import { Markdown } from "./Markdown.jsx";

/** Whole seconds since ``since`` (ms), ticking each second; null without ``since``. */
function useSecondsSince(since) {
  const now = useNow(Boolean(since), 1000);
  return since ? Math.max(0, Math.floor((now - since) / 1000)) : null;
}

function Dots({ label }) {
  return (
    <span className="dots typing-dots" aria-label={label}>
      <i />
      <i />
      <i />
    </span>
  );
}

/** Before the first word: dots, and after a second how long the model has been thinking. */
export function ThinkingNow({ since, quiet = false }) {
  const seconds = useSecondsSince(quiet ? null : since);
  return (
    <span className="thinking-now">
      <Dots label="Assistant is typing" />
      {seconds >= 1 && <span className="thinking-time">Thinking… {seconds} s</span>}
    </span>
  );
}

/** The reasoning, folded; ``since`` while the model is still thinking (a live timer). */
export function Thinking({ reasoning, since = null }) {
  const seconds = useSecondsSince(since);
  return (
    <details className="thinking">
      <summary>{seconds === null ? "Thinking" : `Thinking… ${seconds} s`}</summary>
      <div className="thinking-text">
        <Markdown text={reasoning} />
      </div>
    </details>
  );
}
