import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/components/Markdown.jsx";

describe("renderMarkdown", () => {
  it("renders code blocks, lists and links", () => {
    const html = renderMarkdown("- a\n- b\n\n```py\nprint(1)\n```\n\n[docs](https://example.com)");
    expect(html).toContain("<li>a</li>");
    expect(html).toContain("<code");
    expect(html).toContain('href="https://example.com"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it("drops script, event handlers and javascript: links", () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"> <script>alert(2)</script> [x](javascript:alert(3)) <a href="JaVaScRiPt:alert(4)">y</a>');
    expect(html).not.toMatch(/onerror/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/javascript:/i);
  });
});

describe("renderMarkdown: what the page adds, and what it refuses", () => {
  it("adds Copy buttons after sanitizing, so an attribute can never be broken out of", () => {
    const html = renderMarkdown('<a title="<pre> <img src=x onerror=alert(1)>">x</a>\n\n```\ncode\n```');
    const holder = document.createElement("div");
    holder.innerHTML = html;
    expect(holder.querySelector("img")).toBeNull();
    expect(holder.querySelector("[onerror]")).toBeNull();
    expect(holder.querySelector("a").getAttribute("title")).toBe("<pre> <img src=x onerror=alert(1)>");
    expect(holder.querySelectorAll("pre > button.copy-code")).toHaveLength(1);
  });

  it("shows a remote image as a link, never loads it", () => {
    const holder = document.createElement("div");
    holder.innerHTML = renderMarkdown("![a cat](https://evil.example/?d=secret)");
    expect(holder.querySelector("img")).toBeNull();
    const link = holder.querySelector("a.image-link");
    expect(link.getAttribute("href")).toBe("https://evil.example/?d=secret");
    expect(link.textContent).toBe("Image: a cat");
  });

  it("refuses links to other sites that look like paths", () => {
    for (const href of ["/\\evil.example", "//evil.example", "/\t/evil.example", " //evil.example"]) {
      const holder = document.createElement("div");
      holder.innerHTML = renderMarkdown(`<a href="${href}">x</a>`);
      expect(holder.querySelector("a").hasAttribute("href")).toBe(false);
    }
    const holder = document.createElement("div");
    holder.innerHTML = renderMarkdown("[home](/?c=1) [docs](https://example.com)");
    expect([...holder.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual(["/?c=1", "https://example.com"]);
  });
});
