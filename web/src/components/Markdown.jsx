// Renders a reply's Markdown, sanitized: no scripts, no event handlers, no javascript: links.
import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";
import { copyText } from "./CopyButton.jsx";

// A link may go to the web, to a mail address, to a place on this page, or to a path
// of this site. "//host" and "/\host" are other sites (browsers read a backslash as a
// slash), and browsers drop tabs and line breaks from a URL before reading it.
const SAFE_URL = /^(?:https?:|mailto:|#|\/(?![/\\]))/i;
const IGNORED_IN_URLS = /[\t\n\r]/g;
export const isSafeHref = (href) => SAFE_URL.test(href.replace(IGNORED_IN_URLS, "").trim());

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") || "";
    if (!isSafeHref(href)) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/**
 * A reply as sanitized HTML. What the page adds to the model's text (Copy buttons on
 * code, a link in place of a remote image) is added to the sanitized DOM, never by
 * editing the sanitized string: a string edit can reopen what DOMPurify closed.
 * Remote images become links the reader may follow: loaded at once, an image in a
 * reply would tell its server who is reading (and a prompt-injected reply could carry
 * the conversation out in its URL).
 */
export function renderMarkdown(text) {
  const html = marked.parse(text || "", { async: false, gfm: true, breaks: true });
  const fragment = DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input"],
    RETURN_DOM_FRAGMENT: true,
  });
  for (const image of fragment.querySelectorAll("img")) image.replaceWith(imageAsLink(image));
  for (const pre of fragment.querySelectorAll("pre")) pre.prepend(copyCodeButton(pre.ownerDocument));
  const holder = fragment.ownerDocument.createElement("div");
  holder.append(fragment);
  return holder.innerHTML;
}

function imageAsLink(image) {
  const document = image.ownerDocument;
  const src = (image.getAttribute("src") || "").trim();
  const label = `Image: ${image.getAttribute("alt") || src || "(no address)"}`;
  if (!/^https?:/i.test(src)) {
    const span = document.createElement("span");
    span.className = "image-link";
    span.textContent = label;
    return span;
  }
  const link = document.createElement("a");
  link.className = "image-link";
  link.href = src;
  link.target = "_blank";
  link.rel = "noopener noreferrer nofollow";
  link.textContent = label;
  return link;
}

function copyCodeButton(document) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy copy-code";
  button.setAttribute("aria-label", "Copy code");
  button.textContent = "Copy";
  return button;
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
