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
