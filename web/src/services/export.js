// A conversation's export (GET /v1/conversations/{id}/export, docs/api.md "Export"):
// the API answers in parts of up to 200 messages; the file is the parts joined, built
// here in the browser so no answer has to hold a 1,000-message conversation.

/**
 * exportFile(api, conversationId, format) -> { filename, text, type }
 * format: "markdown" (the parts' Markdown joined) or "json" ({conversation, messages}).
 */
export async function exportFile(api, conversationId, format) {
  const parts = [];
  let cursor = null;
  do {
    const part = await api.exportPart(conversationId, format, cursor);
    parts.push(part);
    cursor = part.next_cursor;
  } while (cursor);
  const last = parts[parts.length - 1];
  if (format === "markdown") {
    return { filename: last.filename, text: parts.map((p) => p.markdown || "").join(""), type: "text/markdown" };
  }
  const document = { conversation: last.conversation, messages: parts.flatMap((p) => p.messages) };
  return { filename: last.filename, text: JSON.stringify(document, null, 2) + "\n", type: "application/json" };
}

/** Hands the file to the browser as a download (an object URL on a temporary link). */
export function download({ filename, text, type }) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
