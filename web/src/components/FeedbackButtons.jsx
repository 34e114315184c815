// Thumbs up / down on a reply, with an optional comment (docs/api.md "Feedback").
// A click saves at once; clicking the chosen thumb again takes the rating back.
import { useState } from "react";

const COMMENT_MAX = 2000;
const RATINGS = [
  { rating: "up", label: "Good reply" },
  { rating: "down", label: "Bad reply" },
];

// Material Design's "thumb_up" (Apache 2.0); drawn, so it shows without an emoji font.
function Thumb({ down = false }) {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" style={down ? { transform: "rotate(180deg)" } : undefined}>
      <path
        fill="currentColor"
        d="M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"
      />
    </svg>
  );
}

export function FeedbackButtons({ seq, feedback, onRate }) {
  const [current, setCurrent] = useState(feedback || null);
  const [comment, setComment] = useState(feedback?.comment || "");
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState(null);
  const [saved, setSaved] = useState(false);

  const save = async (rating, text) => {
    setSaving(true);
    setProblem(null);
    setSaved(false);
    try {
      const body = rating ? { rating, ...(text ? { comment: text } : {}) } : null;
      const message = await onRate(seq, body);
      setCurrent(message?.feedback || null);
      return true;
    } catch (failure) {
      setProblem(failure?.message || "Could not save your feedback.");
      return false;
    } finally {
      setSaving(false);
    }
  };

  const choose = async (rating) => {
    if (current?.rating === rating) {
      if (await save(null)) setOpen(false); // the comment typed so far stays in the box
      return;
    }
    if (await save(rating, comment.trim())) setOpen(true);
  };

  const sendComment = async (event) => {
    event.preventDefault();
    if (current && (await save(current.rating, comment.trim()))) {
      setOpen(false);
      setSaved(true);
    }
  };

  return (
    <span className="feedback" role="group" aria-label={`Rate reply ${seq}`}>
      {RATINGS.map(({ rating, label }) => (
        <button
          key={rating}
          type="button"
          className="thumb"
          aria-pressed={current?.rating === rating}
          aria-label={label}
          disabled={saving}
          onClick={() => choose(rating)}
        >
          <Thumb down={rating === "down"} />
        </button>
      ))}
      {current && !open && (
        <button type="button" className="link" onClick={() => setOpen(true)}>
          {current.comment ? "Edit comment" : "Add a comment"}
        </button>
      )}
      {saved && !open && <span role="status">Thanks for the feedback.</span>}
      {open && current && (
        <form className="feedback-comment" onSubmit={sendComment}>
          <label>
            <span className="sr-only">Comment on this reply (optional)</span>
            <input
              type="text"
              value={comment}
              maxLength={COMMENT_MAX}
              placeholder={current.rating === "down" ? "What was wrong? (optional)" : "What was good? (optional)"}
              onChange={(e) => setComment(e.target.value)}
            />
          </label>
          <button type="submit" disabled={saving}>
            Send
          </button>
          <button type="button" className="link" onClick={() => setOpen(false)}>
            Close
          </button>
        </form>
      )}
      {problem && (
        <span className="feedback-failed" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}
