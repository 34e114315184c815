// Renders a reply's Markdown, sanitized: no scripts, no event handlers, no javascript: links.
import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";
import { copyText } from "./CopyButton.jsx";

const SAFE_URL = /^(?:https?:|mailto:|#|\/(?!\/))/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") || "";
    if (!SAFE_URL.test(href.trim())) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (node.tagName === "IMG") {
    const src = node.getAttribute("src") || "";
    if (!/^https?:/i.test(src.trim())) node.removeAttribute("src");
  }
});

export function renderMarkdown(text) {
  const html = marked.parse(text || "", { async: false, gfm: true, breaks: true });
  const clean = DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ["style", "form", "input"] });
  // Every code block gets a copy button (added after sanitizing: it is ours, not the model's).
  return clean.replace(/<pre>/g, '<pre><button type="button" class="copy copy-code" aria-label="Copy code">Copy</button>');
}

async function onCopyCode(event) {
  const button = event.target.closest?.("button.copy-code");
  if (!button) return;
  const code = button.parentElement.querySelector("code")?.textContent ?? "";
  const copied = await copyText(code);
  button.textContent = copied ? "Copied" : "Copy failed";
  button.setAttribute("aria-label", copied ? "Copied" : "Copy failed");
  setTimeout(() => {
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
  }, 2000);
}

export function Markdown({ text }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className="markdown" onClick={onCopyCode} dangerouslySetInnerHTML={{ __html: html }} />;
}
